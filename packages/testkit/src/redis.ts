/**
 * A real, throwaway `redis-server` for tests: its own free port on 127.0.0.1, its own temporary
 * directory, no persistence. `stop()` leaves no process and no directory behind; `restart()`
 * brings it back on the same port (empty), for tests of a Redis that goes away and returns;
 * `pause()` freezes it (SIGSTOP: connections stay open, nothing answers) until `resume()`, for
 * tests of a Redis that is unreachable for a while and comes back with its data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's `redis-server` (7.0 on bookworm); `REDIS_SERVER_PATH` overrides it. */
export const REDIS_SERVER_PATH: string = process.env.REDIS_SERVER_PATH ?? 'redis-server';

/** A running test Redis; see {@link startRedis}. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Ends the server (SIGTERM, then SIGKILL after 5 s) and removes its directory; twice is fine. */
  stop(): Promise<void>;
  /** Stops the server if it runs and starts an empty one on the same port. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): it keeps its connections and data but answers nothing. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** Spawns `redis-server` on a free port and resolves once that process answers (trying another port up to three times). */
export async function startRedis(): Promise<TestRedis> {
  // Another process may take the free port between the probe and redis-server's bind: try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startRedisOn(port);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/**
 * Spawns `redis-server` on `port`, once: rejects if it cannot have that port (another process,
 * another Redis included, holds it). {@link startRedis} retries on new ports.
 */
export async function startRedisOn(port: number): Promise<TestRedis> {
  let server = await spawnServer(port);
  const stop = async (): Promise<void> => {
    await server.stop();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      server = await spawnServer(port);
    },
    pause: () => server.signal('SIGSTOP'),
    resume: () => server.signal('SIGCONT'),
  };
}

interface Spawned {
  stop(): Promise<void>;
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
}

/** One redis-server process and its directory. */
async function spawnServer(port: number): Promise<Spawned> {
  const dir = await mkdtemp(join(tmpdir(), 'grappler-redis-'));
  const logfile = join(dir, 'redis.log');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--daemonize', 'no', '--dir', dir, '--logfile', logfile);
  const child = spawn(REDIS_SERVER_PATH, args, { stdio: 'ignore' });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  // Synchronous on purpose: the only cleanup that still runs when the test process exits early.
  const cleanupOnExit = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanupOnExit);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', cleanupOnExit);
      await endProcess(child);
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    await Promise.race([waitUntilItAnswers(port, child), spawnError.then((error) => Promise.reject(error))]);
  } catch (error) {
    const log = await readFile(logfile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`${REDIS_SERVER_PATH} did not start on port ${port}: ${String(error)}\n${log.slice(-2_000)}`, {
      cause: error,
    });
  }
  const signal = (name: 'SIGSTOP' | 'SIGCONT'): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
  };
  return { stop, signal };
}

/** SIGTERM, then SIGKILL if the process is still there after {@link STOP_TIMEOUT_MS}. */
async function endProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  child.kill('SIGCONT'); // a paused server would not act on SIGTERM until continued
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Asks every 20 ms until `child` itself answers: INFO must name its process id, so a Redis
 * another test already runs on the port is not taken for this one (which then fails to bind and
 * exits). Rejects when the process exits first or on timeout.
 */
async function waitUntilItAnswers(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode})`);
    }
    const pid = await answeringPid(port);
    if (pid !== undefined && pid === child.pid) return;
    if (pid !== undefined) throw new Error(`another redis-server (process ${pid}) already listens on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no answer within ${READY_TIMEOUT_MS} ms`);
}

/** One inline `INFO server` over a fresh connection: the answering server's process id, if any. */
function answeringPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (pid: number | undefined): void => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(1_000, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      const match = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (match) done(Number(match[1]));
      else if (reply.startsWith('-')) done(undefined); // an error (still loading, say): ask again
    });
    socket.on('close', () => done(undefined));
  });
}

/** A port nothing listens on right now, from the kernel's ephemeral range. */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
