import type { ServerName, WireKind } from '../protocol.js';
import { connectAll, cpuBetween, cpuMark, runTrial, waitForServerClients } from '../trial.js';
import { mebibytes, perSecond } from './format.js';
import type { Contender, Workload } from './types.js';

function contender(label: string, server: ServerName, kind: WireKind, about: string): Contender {
  return {
    label,
    about,
    run: (scale, options) =>
      runTrial(
        { servers: [{ name: server }], timeoutMs: 600_000, serverNodeFlags: options.serverNodeFlags },
        async (trial) => {
          const { clients, fraction, broadcasts, bytes, intervalMs } = scale.slow;
          const server = trial.servers[0]!.peer;
          await connectAll(trial, { kind, bases: [trial.servers[0]!.base], count: clients, concurrency: 100 });
          await waitForServerClients(trial, clients);
          const slow = await trial.loadgen.call('pauseSome', { fraction });
          const fast = clients - slow;
          await trial.loadgen.call('resetCounts', { expectedPerClient: broadcasts, firstSeq: 1 });
          const baseline = (await server.call('memory', null)).rss;
          await server.call('rssWatch', { intervalMs: 50 });
          const before = await cpuMark(trial);
          const burst = await server.call('hold', { count: broadcasts, firstSeq: 1, intervalMs, bytes }, 300_000);
          const report = await trial.loadgen.call(
            'deliveries',
            { expected: fast * broadcasts, timeoutMs: 240_000, idleMs: 10_000, only: 'fast' },
            300_000,
          );
          const after = await cpuMark(trial);
          const peak = await server.call('rssPeak', null);
          const outcome = await trial.loadgen.call('resumeSlow', { expectedPerClient: broadcasts, timeoutMs: 120_000 }, 180_000);
          const seconds = (report.lastAt - burst.startedAt) / 1000;
          const what =
            outcome.cutOff > 0
              ? `${outcome.cutOff} of ${outcome.slow} slow clients cut off (they had read ${Math.round(outcome.meanReceived)} of ${broadcasts} on average), ${outcome.complete} got everything`
              : `${outcome.slow} slow clients all kept (buffered): ${outcome.complete} got all ${broadcasts} once reading again`;
          const lostFast =
            report.lost > 0 ? `; readers: ${report.closed} of ${fast} cut off too, ${report.lost} of ${fast * broadcasts} messages missed` : '';
          return {
            metrics: {
              peakRssGrowth: peak - baseline,
              peakRss: peak,
              fastDeliveriesPerSec: report.distinct / seconds,
              slowCutOff: outcome.cutOff,
            },
            cpu: cpuBetween(before, after),
            note: what + lostFast,
          };
        },
      ),
  };
}

export const slowClientsWorkload: Workload = {
  id: 'slow',
  title: 'Slow clients: 10 % of WebSocket clients stop reading during a fan-out',
  size: ({ slow }) =>
    `${slow.clients} clients (${Math.round(slow.clients * slow.fraction)} slow), ${slow.broadcasts} broadcasts of ${slow.bytes} bytes, one every ${slow.intervalMs} ms.`,
  method:
    "N WebSocket clients, every 10th stops reading (its socket paused) before B broadcasts of 16 KiB (25 MiB per client), one every 4 ms so that readers keep up; peak server RSS (sampled every 50 ms) minus RSS before the burst, deliveries/s to the readers, then the slow clients read again and we see whether they were cut off or kept (everything buffered for them).",
  contenders: [
    contender('grappler', 'grappler', 'ws', "grappler's Server, defaults (maxBufferedBytes 4 MiB, highWaterMarkBytes 64 KiB)"),
    contender('ws-loop', 'ws-loop', 'ws', 'ws 8.18.3, ws.send() for each client, no limit'),
    contender('ws-preframed', 'ws-preframed', 'ws', 'ws 8.18.3, socket.write(frame) for each client, no limit'),
    contender('socketio-ws', 'socketio-ws', 'eio-ws', "Socket.IO 4.8.4, transports: ['websocket'], defaults"),
  ],
  columns: [
    { key: 'peakRssGrowth', label: 'peak RSS growth MiB', format: mebibytes },
    { key: 'peakRss', label: 'peak RSS MiB', format: mebibytes },
    { key: 'fastDeliveriesPerSec', label: 'deliveries/s to readers', format: perSecond },
  ],
  targets: [],
};
