import { connectAll, cpuBetween, cpuMark, runTrial, waitForServerClients } from '../trial.js';
import { count, mebibytes, milliseconds } from './format.js';
import type { Workload } from './types.js';

export const mixedHoldWorkload: Workload = {
  id: 'hold',
  title: '(5) 10,000-connection mixed hold',
  size: ({ hold }) =>
    `${hold.websocket + hold.sse + hold.longpoll} connections (${hold.websocket} WebSocket, ${hold.sse} SSE, ${hold.longpoll} long polling), a broadcast every ${hold.intervalMs} ms for ${hold.seconds} s.`,
  method:
    "WebSocket, SSE and long-poll clients held on one grappler server while it broadcasts 64 bytes every 100 ms; peak RSS sampled every 250 ms, event-loop delay p99 over the hold (monitorEventLoopDelay at 10 ms resolution, the 10 ms itself subtracted: lateness only), and messages that never reached a client (each client checks every sequence number).",
  contenders: [
    {
      label: 'grappler',
      about: "grappler's Server, defaults; clients split WebSocket / SSE / long polling as in the title",
      run: (scale, options) =>
        runTrial({ servers: [{ name: 'grappler' }], timeoutMs: (scale.hold.seconds + 240) * 1000, serverNodeFlags: options.grapplerNodeFlags }, async (trial) => {
          const { websocket, sse, longpoll, seconds, intervalMs, bytes } = scale.hold;
          const bases = [trial.servers[0]!.base];
          const total = websocket + sse + longpoll;
          await connectAll(trial, { kind: 'ws', bases, count: websocket, concurrency: 100 });
          await connectAll(trial, { kind: 'sse', bases, count: sse, concurrency: 100 });
          await connectAll(trial, { kind: 'longpoll', bases, count: longpoll, concurrency: 100 });
          await waitForServerClients(trial, total);
          const server = trial.servers[0]!.peer;
          const broadcasts = Math.round((seconds * 1000) / intervalMs);
          await trial.loadgen.call('resetCounts', { expectedPerClient: broadcasts, firstSeq: 1 });
          await server.call('rssWatch', { intervalMs: 250 });
          await server.call('loopDelayReset', null);
          const before = await cpuMark(trial);
          await server.call('hold', { count: broadcasts, firstSeq: 1, intervalMs, bytes }, (seconds + 60) * 1000);
          const loopDelay = await server.call('loopDelay', null);
          const report = await trial.loadgen.call('deliveries', { expected: total * broadcasts, timeoutMs: 15_000, idleMs: 5_000 }, 30_000);
          const after = await cpuMark(trial);
          const peak = await server.call('rssPeak', null);
          const lostKinds = Object.entries(report.lostByKind).filter(([, lost]) => lost > 0);
          const notes = [`${websocket} WebSocket + ${sse} SSE + ${longpoll} long-poll, ${broadcasts} broadcasts`];
          if (lostKinds.length > 0) notes.push(`lost: ${lostKinds.map(([kind, lost]) => `${kind} ${lost}`).join(', ')}`);
          if (report.closed > 0) notes.push(`${report.closed} clients closed`);
          if (report.outOfOrder > 0) notes.push(`${report.outOfOrder} duplicate or out of order`);
          return {
            metrics: { rssPeak: peak, loopDelayP99Ms: loopDelay.p99Ms, loopDelayMaxMs: loopDelay.maxMs, lost: report.lost },
            cpu: cpuBetween(before, after),
            note: notes.join('; '),
          };
        }),
    },
  ],
  columns: [
    { key: 'rssPeak', label: 'peak RSS MiB', format: mebibytes },
    { key: 'loopDelayP99Ms', label: 'loop delay p99 ms', format: milliseconds },
    { key: 'loopDelayMaxMs', label: 'loop delay max ms', format: milliseconds },
    { key: 'lost', label: 'lost', format: count },
  ],
  targets: [
    { subject: 'grappler', metric: 'rssPeak', below: 1024 * 1024 * 1024, unit: '1 GiB' },
    { subject: 'grappler', metric: 'lost', below: 1, unit: '1 (none lost)' },
    { subject: 'grappler', metric: 'loopDelayP99Ms', below: 50, unit: '50 ms' },
  ],
};
