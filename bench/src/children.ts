/**
 * Starting the child processes: each server and the load generator run in their own Node process,
 * pinned with `taskset` (when the machine has it) so that the server has one core and the load
 * generator the other. Every child started is remembered, so that whatever happens (a timeout, an
 * error, Ctrl-C) none outlives the run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadgenCommands, ServerCommands, ServerConfig } from './protocol.js';
import { ChildPeer } from './rpc.js';

/** The cores: servers (and Redis) on one, the load generator on the other. */
export const SERVER_CPU = 0;
export const LOADGEN_CPU = 1;

export const HAS_TASKSET: boolean = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

const live = new Set<ChildProcess>();
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
/** Loaded first in every child: grappler's packages resolve to their built `dist`, i.e. what ships. */
const USE_DIST = new URL('./use-dist.js', import.meta.url).href;

/** Spawns `command args` on core `cpu` (when taskset exists), with stdio passed through and an IPC channel. */
export function spawnPinned(command: string, args: string[], cpu: number, ipc: boolean): ChildProcess {
  const [file, argv] = HAS_TASKSET ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
  const child = spawn(file, argv, { stdio: ['ignore', 'inherit', 'inherit', ...(ipc ? (['ipc'] as const) : [])] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function spawnNode(script: string, args: string[], cpu: number, nodeFlags: string[]): ChildProcess {
  return spawnPinned(process.execPath, [...nodeFlags, '--expose-gc', '--import', USE_DIST, here(script), ...args], cpu, true);
}

export interface ServerChild {
  peer: ChildPeer<ServerCommands>;
  /** `http://127.0.0.1:<port>` */
  base: string;
}

/** Starts one server process and waits for its port. `nodeFlags` e.g. `--cpu-prof`. */
export async function startServerProcess(config: ServerConfig, nodeFlags: string[] = []): Promise<ServerChild> {
  const child = spawnNode('./server-process.js', [JSON.stringify(config)], SERVER_CPU, nodeFlags);
  const peer = new ChildPeer<ServerCommands>(child, `server ${config.name}`);
  const port = await withTimeout(peer.ready, 30_000, `server ${config.name} did not start`);
  return { peer, base: `http://127.0.0.1:${port}` };
}

export async function startLoadgenProcess(): Promise<ChildPeer<LoadgenCommands>> {
  const child = spawnNode('./loadgen-process.js', [], LOADGEN_CPU, []);
  const peer = new ChildPeer<LoadgenCommands>(child, 'loadgen');
  await withTimeout(peer.ready, 30_000, 'the load generator did not start');
  return peer;
}

/** SIGKILLs every child still running. */
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

process.once('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}
