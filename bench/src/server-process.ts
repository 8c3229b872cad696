/**
 * One server under test, in a process of its own (pinned to its own core by the orchestrator).
 * It binds to 127.0.0.1 on a free port, announces the port, and then does what the orchestrator
 * asks over IPC: broadcast bursts paced the same way for every library, memory after GC, CPU
 * time, event-loop delay and peak RSS.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { wallNow } from './clock.js';
import { makePayload } from './payload.js';
import type { MemorySample, ServerCommands, ServerConfig } from './protocol.js';
import { announceReady, serveCommands } from './rpc.js';
import { createBenchServer } from './servers/index.js';

/** A server process never outlives a stuck orchestrator by long. */
const MAX_LIFETIME_MS = 15 * 60_000;
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;
const server = await createBenchServer(config);
server.httpServer.listen(0, '127.0.0.1');
await once(server.httpServer, 'listening');
const { port } = server.httpServer.address() as AddressInfo;

/** The histogram records the time between its timer's ticks: an idle loop shows the resolution itself. */
const LOOP_DELAY_RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
loopDelay.enable();
let rssPeak = 0;
let rssTimer: NodeJS.Timeout | undefined;

const gc = (globalThis as { gc?: () => void }).gc;

async function memoryAfterGc(): Promise<MemorySample> {
  if (gc === undefined) throw new Error('start the server process with --expose-gc');
  // Two collections with a turn between: finalizers and weak references let go in the first.
  gc();
  await nextTurn();
  gc();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const youngGeneration = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
  return { rss, heapUsed, heapTotal, external, arrayBuffers, youngGeneration };
}

serveCommands<ServerCommands>({
  clients: () => server.clients(),
  closedClients: () => server.closedClients(),
  burst: ({ count, firstSeq, perTurn, bytes }) =>
    new Promise((resolve) => {
      const startedAt = wallNow();
      const end = firstSeq + count;
      let seq = firstSeq;
      // The same pacing for every library: `perTurn` broadcasts, then a setImmediate turn so that
      // I/O (and the library's own flushing) runs between them.
      const turn = (): void => {
        for (let k = 0; k < perTurn && seq < end; k++) server.broadcast(makePayload(seq++, bytes));
        if (seq < end) setImmediate(turn);
        else resolve({ startedAt, endedAt: wallNow() });
      };
      turn();
    }),
  hold: ({ count, firstSeq, intervalMs, bytes }) =>
    new Promise((resolve) => {
      // The k-th broadcast is due k × intervalMs after the start, by the clock: a timer that fires
      // late sends every broadcast due by then, as a source with its own pace (a feed, another
      // node) would have. setInterval would instead send fewer, and hide a server that falls behind.
      const startedAt = wallNow();
      const started = performance.now();
      let sent = 0;
      const tick = (): void => {
        const due = Math.min(count, Math.floor((performance.now() - started) / intervalMs));
        for (; sent < due; sent++) server.broadcast(makePayload(firstSeq + sent, bytes));
        if (sent >= count) {
          resolve({ startedAt, endedAt: wallNow(), sent });
          return;
        }
        setTimeout(tick, started + (sent + 1) * intervalMs - performance.now());
      };
      setTimeout(tick, intervalMs);
    }),
  memory: () => memoryAfterGc(),
  cpu: () => process.cpuUsage(),
  loopDelayReset: () => {
    loopDelay.reset();
    return null;
  },
  // Lateness only: the sampling interval is subtracted (an idle loop reports 0, not 10 ms).
  loopDelay: () => ({
    p50Ms: Math.max(0, loopDelay.percentile(50) / 1e6 - LOOP_DELAY_RESOLUTION_MS),
    p99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS),
    maxMs: Math.max(0, loopDelay.max / 1e6 - LOOP_DELAY_RESOLUTION_MS),
  }),
  rssWatch: ({ intervalMs }) => {
    clearInterval(rssTimer);
    rssPeak = process.memoryUsage.rss();
    rssTimer = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    }, intervalMs);
    return null;
  },
  rssPeak: () => Math.max(rssPeak, process.memoryUsage.rss()),
  stop: () => {
    // Exit after the answer is out; a normal exit also writes a --cpu-prof profile.
    setImmediate(() => process.exit(0));
    return null;
  },
});
announceReady(port);
