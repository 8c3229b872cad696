import type { ServerName, WireKind } from '../protocol.js';
import { connectAll, cpuBetween, cpuMark, runTrial, waitForServerClients } from '../trial.js';
import { microseconds, milliseconds, perSecond, serverMicrosPerOp } from './format.js';
import type { Contender, Workload } from './types.js';

function contender(label: string, server: ServerName, kind: WireKind, about: string): Contender {
  return {
    label,
    about,
    run: (scale, options) =>
      runTrial(
        { servers: [{ name: server }], timeoutMs: 300_000, serverNodeFlags: options.serverNodeFlags },
        async (trial) => {
          const { clients, rounds, warmupRounds, bytes } = scale.echo;
          await connectAll(trial, { kind, bases: [trial.servers[0]!.base], count: clients, concurrency: 100 });
          await waitForServerClients(trial, clients);
          await trial.loadgen.call('echo', { rounds: warmupRounds, bytes }, 120_000);
          const before = await cpuMark(trial);
          const echo = await trial.loadgen.call('echo', { rounds, bytes }, 240_000);
          const after = await cpuMark(trial);
          const cpu = cpuBetween(before, after);
          return {
            metrics: {
              roundTripsPerSec: (echo.roundTrips / echo.ms) * 1000,
              p50Ms: echo.p50Ms,
              p99Ms: echo.p99Ms,
              serverUsPerRoundTrip: serverMicrosPerOp(cpu.serverMs, echo.roundTrips),
            },
            cpu,
            note: '',
          };
        },
      ),
  };
}

export const echoWorkload: Workload = {
  id: 'echo',
  title: '(2) Echo latency',
  size: ({ echo }) => `${echo.clients} clients × ${echo.rounds} round trips of ${echo.bytes} bytes.`,
  method:
    'N WebSocket clients at once, each sending a 64-byte message and waiting for it to come back, R times in a row (after R/10 warm-up rounds); round trips/s = N×R / elapsed; p50 and p99 of every round trip.',
  contenders: [
    contender('grappler', 'grappler', 'ws', "grappler's Server, client.write(data) on message"),
    contender('ws', 'ws-loop', 'ws', 'ws 8.18.3, ws.send(data) on message'),
    contender('socketio-ws', 'socketio-ws', 'eio-ws', "Socket.IO 4.8.4 (websocket), socket.emit('m', data) on 'm'"),
  ],
  columns: [
    { key: 'roundTripsPerSec', label: 'round trips/s', format: perSecond },
    { key: 'p50Ms', label: 'p50 ms', format: milliseconds },
    { key: 'p99Ms', label: 'p99 ms', format: milliseconds },
    { key: 'serverUsPerRoundTrip', label: 'server CPU µs/round trip', format: microseconds },
  ],
  targets: [
    { subject: 'grappler', metric: 'roundTripsPerSec', peer: 'ws', atLeast: 0.9 },
    { subject: 'grappler', metric: 'p99Ms', peer: 'ws', atMost: 1.1 },
  ],
};
