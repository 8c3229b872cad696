/**
 * The whole cluster from one command: a redis-server (unless REDIS_URL names one), then three
 * nodes (src/node.ts) on ports BASE_PORT, +1, +2. Ctrl-C (or SIGTERM) stops them all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const host = process.env.HOST ?? '127.0.0.1';
const basePort = Number(process.env.BASE_PORT ?? 8081);
const redisPort = Number(process.env.REDIS_PORT ?? 6390);
const nodes: ChildProcess[] = [];
let redis: ChildProcess | undefined;
let redisDir: string | undefined;

/** Resolves once something answers PING on the port (Redis is up), or rejects after `timeoutMs`. */
async function waitForRedis(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stops the nodes, then (once they are gone, or after 5 s) the Redis they were using. */
async function stopAll(): Promise<void> {
  const exits = nodes.filter((node) => node.exitCode === null).map((node) => new Promise((resolve) => node.once('exit', resolve)));
  for (const node of nodes) node.kill('SIGTERM');
  await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, 5000))]);
  redis?.kill('SIGTERM');
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    redisDir = mkdtempSync(join(tmpdir(), 'grappler-cluster-redis-'));
    const args = ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir];
    redis = spawn(process.env.REDIS_SERVER ?? 'redis-server', args, { stdio: 'ignore' });
    await waitForRedis(redisPort);
    redisUrl = `redis://127.0.0.1:${redisPort}`;
  }
  const nodeScript = new URL('./node.ts', import.meta.url).pathname;
  const exampleDir = new URL('..', import.meta.url).pathname;
  for (let index = 0; index < 3; index++) {
    const env = { ...process.env, NODE_ID: `node-${index + 1}`, PORT: String(basePort + index), HOST: host, REDIS_URL: redisUrl };
    // From this example's folder, where `tsx` is installed, whatever the caller's directory.
    nodes.push(spawn(process.execPath, ['--import', 'tsx', nodeScript], { env, stdio: 'inherit', cwd: exampleDir }));
  }
  console.log(`grappler cluster: open http://${host}:${basePort}/, :${basePort + 1}/ and :${basePort + 2}/ side by side (Ctrl-C to stop)`);
}

const stop = (code: number) => (): void => void stopAll().then(() => process.exit(code));
process.once('SIGINT', stop(0));
process.once('SIGTERM', stop(0));
main().catch((error: unknown) => {
  console.error(error);
  stop(1)();
});
