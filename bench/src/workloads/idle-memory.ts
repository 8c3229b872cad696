import { sleep } from '../clock.js';
import type { ServerName, WireKind } from '../protocol.js';
import { connectAll, cpuBetween, cpuMark, runTrial, waitForServerClients } from '../trial.js';
import { kibibytes, mebibytes } from './format.js';
import type { Contender, Workload } from './types.js';

/** Long enough for handshakes' garbage to be collectable. */
const SETTLE_MS = 2_000;
/**
 * Then long enough for V8 to see the server idle: a GC shrinks the young generation (and gives
 * its pages back) once fewer than ~1 MB a second were allocated over the last 5 s.
 */
const IDLE_MS = 10_000;

function contender(label: string, server: ServerName, kind: WireKind, about: string): Contender {
  return {
    label,
    about,
    run: (scale, options) =>
      runTrial(
        { servers: [{ name: server }], timeoutMs: 300_000, serverNodeFlags: options.serverNodeFlags },
        async (trial) => {
          const { connections } = scale.idle;
          const server = trial.servers[0]!.peer;
          const empty = await server.call('memory', null);
          const before = await cpuMark(trial);
          await connectAll(trial, { kind, bases: [trial.servers[0]!.base], count: connections, concurrency: 100 });
          await waitForServerClients(trial, connections);
          const after = await cpuMark(trial);
          await sleep(SETTLE_MS);
          const full = await server.call('memory', null);
          await sleep(IDLE_MS - SETTLE_MS);
          const idle = await server.call('memory', null);
          // RSS less the young generation's pages: what V8 has touched of its new space depends on
          // where its scavenge cycle stood when the connections ended, not on what they hold.
          const outsideYoung = (sample: typeof empty) => sample.rss - sample.youngGeneration;
          return {
            metrics: {
              rssPerConnection: (full.rss - empty.rss) / connections,
              rssOutsideYoung: (outsideYoung(full) - outsideYoung(empty)) / connections,
              rssOnceIdle: (idle.rss - empty.rss) / connections,
              rssOutsideYoungOnceIdle: (outsideYoung(idle) - outsideYoung(empty)) / connections,
              heapOnceIdle: (idle.heapUsed - empty.heapUsed) / connections,
              heapPerConnection: (full.heapUsed - empty.heapUsed) / connections,
              externalPerConnection: (full.external - empty.external) / connections,
              youngGenerationGrowth: full.youngGeneration - empty.youngGeneration,
            },
            cpu: cpuBetween(before, after),
            note: '',
          };
        },
      ),
  };
}

export const idleMemoryWorkload: Workload = {
  id: 'idle',
  title: '(3) Idle memory per WebSocket connection',
  size: ({ idle }) => `${idle.connections} connections.`,
  method:
    "N idle WebSocket connections; the server's RSS, heapUsed and external after two gc() calls, 2 s after the last connection, minus the same before any connection, divided by N (KiB). CPU is that of connecting them. The young generation's growth (V8's new space, empty after the GCs but kept) is part of that RSS, shown apart: memory no connection holds. How much of it V8 has touched depends on where its scavenge cycle stood when the last connection came (up to 16 MiB either way, 3 KiB per connection at 5,000), so 'RSS outside the young generation' is RSS less the new space's pages, before and after: what the connections hold, and what the targets judge. 'Once idle' is the same 10 s after the last connection: by then V8 has seen allocation stop, and its GC has shrunk the young generation again.",
  contenders: [
    contender('grappler', 'grappler', 'ws', "grappler's Server, defaults"),
    contender('ws', 'ws-loop', 'ws', 'ws 8.18.3, defaults'),
    contender('socketio-ws', 'socketio-ws', 'eio-ws', "Socket.IO 4.8.4, transports: ['websocket']"),
  ],
  columns: [
    { key: 'rssPerConnection', label: 'RSS KiB/conn', format: kibibytes },
    { key: 'heapPerConnection', label: 'heap KiB/conn', format: kibibytes },
    { key: 'externalPerConnection', label: 'external KiB/conn', format: kibibytes },
    { key: 'youngGenerationGrowth', label: 'young generation growth MiB', format: mebibytes },
    { key: 'rssOutsideYoung', label: 'RSS outside the young generation KiB/conn', format: kibibytes },
    { key: 'rssOnceIdle', label: 'RSS KiB/conn once idle', format: kibibytes },
    { key: 'rssOutsideYoungOnceIdle', label: 'RSS outside the young generation KiB/conn once idle', format: kibibytes },
    { key: 'heapOnceIdle', label: 'heap KiB/conn once idle', format: kibibytes },
  ],
  targets: [
    { subject: 'grappler', metric: 'rssOutsideYoung', peer: 'ws', atMost: 1.2 },
    { subject: 'grappler', metric: 'rssOutsideYoungOnceIdle', peer: 'ws', atMost: 1.2 },
  ],
};
