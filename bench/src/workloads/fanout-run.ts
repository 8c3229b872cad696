/**
 * The fan-out measurement every fan-out workload shares: connect the clients, wait until the
 * server(s) count them, one warm-up burst (not counted), then the measured burst from the first
 * server. Deliveries/s = distinct payloads received by all clients / (arrival of the last one −
 * the moment the server started the burst).
 */
import type { ServerConfig, ServerName, WireKind } from '../protocol.js';
import { serverMicrosPerOp } from './format.js';
import type { Contender } from './types.js';
import { type RunResult, type Trial, connectAll, cpuBetween, cpuMark, runTrial, waitForServerClients } from '../trial.js';

export interface FanoutSpec {
  servers: ServerConfig[];
  kind: WireKind;
  clients: number;
  broadcasts: number;
  warmup: number;
  bytes: number;
  perTurn: number;
  serverNodeFlags?: string[];
}

export async function burstAndCount(trial: Trial, spec: FanoutSpec, count: number, firstSeq: number) {
  await trial.loadgen.call('resetCounts', { expectedPerClient: count, firstSeq });
  const burst = await trial.servers[0]!.peer.call('burst', { count, firstSeq, perTurn: spec.perTurn, bytes: spec.bytes }, 300_000);
  const report = await trial.loadgen.call('deliveries', { expected: spec.clients * count, timeoutMs: 180_000, idleMs: 10_000 }, 240_000);
  return { burst, report };
}

export function runFanout(spec: FanoutSpec): Promise<RunResult> {
  return runTrial({ servers: spec.servers, timeoutMs: 600_000, serverNodeFlags: spec.serverNodeFlags ?? [] }, async (trial) => {
    await connectAll(trial, { kind: spec.kind, bases: trial.servers.map((server) => server.base), count: spec.clients, concurrency: 100 });
    await waitForServerClients(trial, spec.clients);
    if (spec.warmup > 0) await burstAndCount(trial, spec, spec.warmup, 1);
    const before = await cpuMark(trial);
    const { burst, report } = await burstAndCount(trial, spec, spec.broadcasts, spec.warmup + 1);
    const after = await cpuMark(trial);
    const seconds = (report.lastAt - burst.startedAt) / 1000;
    const notes: string[] = [];
    if (report.lost > 0) notes.push(`${report.lost} of ${spec.clients * spec.broadcasts} never arrived`);
    if (report.outOfOrder > 0) notes.push(`${report.outOfOrder} duplicate or out of order`);
    if (report.closed > 0) notes.push(`${report.closed} clients closed (first: ${report.firstCloseReason})`);
    const cpu = cpuBetween(before, after);
    return {
      metrics: { deliveriesPerSec: report.distinct / seconds, lost: report.lost, serverUsPerDelivery: serverMicrosPerOp(cpu.serverMs, report.distinct) },
      cpu,
      note: notes.join('; '),
    };
  });
}

/** A server measured by a burst fan-out (workloads 1 and 4), with the sizes of `scale[sizes]`. */
export function fanoutContender(sizes: 'fanout' | 'http', label: string, server: ServerName, kind: WireKind, about: string): Contender {
  return {
    label,
    about,
    run: (scale, options) =>
      runFanout({
        ...scale[sizes],
        servers: [{ name: server }],
        kind,
        serverNodeFlags: options.serverNodeFlags,
      }),
  };
}
