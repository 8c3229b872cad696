/**
 * One trial: fresh server process(es) and a fresh load generator, a body that drives them, a hard
 * deadline, and afterwards nothing left running. CPU time is read from every process around the
 * measured phase, so a table can show which side was saturated.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { HAS_TASKSET, LOADGEN_CPU, SERVER_CPU, type ServerChild, startLoadgenProcess, startServerProcess, withTimeout } from './children.js';
import { sleep } from './clock.js';
import type { ConnectArgs, LoadgenCommands, ServerConfig } from './protocol.js';
import type { ChildPeer } from './rpc.js';
import { stealPerCore } from './steal.js';

export interface Trial {
  servers: ServerChild[];
  loadgen: ChildPeer<LoadgenCommands>;
}

/** CPU milliseconds (user + system) spent by the servers and by the load generator over `wallMs`. */
export interface CpuSpent {
  serverMs: number;
  loadgenMs: number;
  wallMs: number;
  /**
   * Milliseconds the hypervisor took from the servers' core and from the load generator's meanwhile
   * (steal, see steal.ts); undefined where it cannot be read, or when processes are not pinned.
   */
  stolenMs?: { server: number; loadgen: number };
}

/** What one run of a workload measured. */
export interface RunResult {
  metrics: Record<string, number>;
  cpu: CpuSpent;
  /** Said in words (what happened to slow clients, anything odd). */
  note: string;
}

export interface TrialOptions {
  servers: ServerConfig[];
  timeoutMs: number;
  /** Extra Node flags for the server processes (`--cpu-prof …`). */
  serverNodeFlags?: string[];
}

/** How long the processes of a trial may take to exit once asked to stop, before they are killed. */
const EXIT_WAIT_MS = 10_000;

/** Resolves once `child` has exited (at once if it has). */
function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return once(child, 'exit').then(() => undefined);
}

export async function runTrial<T>(options: TrialOptions, body: (trial: Trial) => Promise<T>): Promise<T> {
  const started: ServerChild[] = [];
  let loadgen: ChildPeer<LoadgenCommands> | undefined;
  const work = async (): Promise<T> => {
    for (const config of options.servers) started.push(await startServerProcess(config, options.serverNodeFlags));
    loadgen = await startLoadgenProcess();
    return body({ servers: started, loadgen });
  };
  try {
    return await withTimeout(work(), options.timeoutMs, 'the run did not finish in time');
  } finally {
    // Ask politely (a server with --cpu-prof writes its profile on exit), then make sure.
    const stops = started.filter((server) => !server.peer.exited).map((server) => server.peer.call('stop', null, 5_000));
    if (loadgen !== undefined && !loadgen.exited) stops.push(loadgen.call('stop', null, 5_000));
    await Promise.allSettled(stops);
    const children = [...started.map((server) => server.peer.child), ...(loadgen ? [loadgen.child] : [])];
    // A process answers `stop` and then exits; a profile of a long run takes a moment to write.
    await withTimeout(Promise.all(children.map(exitOf)), EXIT_WAIT_MS, 'exit').catch(() => {});
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}

interface CpuMark {
  server: number;
  loadgen: number;
  at: number;
  steal: number[] | undefined;
}

export async function cpuMark(trial: Trial): Promise<CpuMark> {
  const [loadgen, ...servers] = await Promise.all([
    trial.loadgen.call('cpu', null),
    ...trial.servers.map((server) => server.peer.call('cpu', null)),
  ]);
  const ms = (usage: { user: number; system: number }): number => (usage.user + usage.system) / 1000;
  return { server: servers.reduce((sum, usage) => sum + ms(usage), 0), loadgen: ms(loadgen!), at: performance.now(), steal: stealPerCore() };
}

export function cpuBetween(before: CpuMark, after: CpuMark): CpuSpent {
  const spent: CpuSpent = { serverMs: after.server - before.server, loadgenMs: after.loadgen - before.loadgen, wallMs: after.at - before.at };
  const stolen = (core: number): number | undefined => {
    const from = before.steal?.[core];
    const to = after.steal?.[core];
    return from === undefined || to === undefined ? undefined : to - from;
  };
  const server = stolen(SERVER_CPU);
  const loadgen = stolen(LOADGEN_CPU);
  if (HAS_TASKSET && server !== undefined && loadgen !== undefined) spent.stolenMs = { server, loadgen };
  return spent;
}

/** "cpu … / … (wall)" as the tables show it, with what was stolen from each side when anything was. */
export function describeCpu(cpu: CpuSpent): string {
  const spent = `${Math.round(cpu.serverMs)} / ${Math.round(cpu.loadgenMs)} (${Math.round(cpu.wallMs)})`;
  const stolen = cpu.stolenMs;
  return stolen === undefined || stolen.server + stolen.loadgen === 0 ? spent : `${spent}, stolen ${stolen.server} / ${stolen.loadgen}`;
}

/** Waits until every server counts `expected` clients in all (a client is counted once it is registered). */
export async function waitForServerClients(trial: Trial, expected: number, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let counted = 0;
  while (performance.now() < deadline) {
    const counts = await Promise.all(trial.servers.map((server) => server.peer.call('clients', null)));
    counted = counts.reduce((a, b) => a + b, 0);
    if (counted >= expected) return;
    await sleep(50);
  }
  throw new Error(`servers count ${counted} clients, expected ${expected}`);
}

/** Connects clients and fails the run unless every one of them got in. */
export async function connectAll(trial: Trial, args: ConnectArgs, timeoutMs = 180_000): Promise<void> {
  const result = await trial.loadgen.call('connect', args, timeoutMs);
  if (result.failed > 0) throw new Error(`${result.failed} of ${args.count} ${args.kind} clients failed: ${result.firstError}`);
}
