/**
 * A throwaway `redis-server` for the cluster workload: its own port on 127.0.0.1, no persistence,
 * pinned with the load generator (the servers' core is busy enough with two nodes).
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOADGEN_CPU, spawnPinned, withTimeout } from './children.js';
import { sleep } from './clock.js';

export interface BenchRedis {
  url: string;
  stop(): Promise<void>;
}

/** Debian's redis-server, on PATH. */
export const REDIS_SERVER = 'redis-server';

export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'grappler-bench-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''];
  const child: ChildProcess = spawnPinned(REDIS_SERVER, args, LOADGEN_CPU, false);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await withTimeout(waitForPong(port), 10_000, `${REDIS_SERVER} did not answer PING`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}

async function waitForPong(port: number): Promise<void> {
  for (;;) {
    if (await answersPing(port)) return;
    await sleep(20);
  }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('+PONG')));
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
