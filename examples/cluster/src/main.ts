/**
 * The whole cluster from one command: a redis-server (unless REDIS_URL names one), then three
 * nodes (src/node.ts) on ports BASE_PORT, +1, +2 (BASE_PORT=0: any free ports, each node prints
 * its own). Ctrl-C (or SIGTERM) stops them all, and so does a node that exits by itself (a port
 * already taken, say): a cluster with a node missing would look as if it worked.
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
let stopping = false;

/**
 * Resolves once `server` answers on the port: its INFO names its own process id, so another
 * Redis already on that port is not taken for it. Rejects if `server` exits first (the port is
 * taken) or after `timeoutMs`.
 */
async function waitForRedis(server: ChildProcess, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`redis-server exited with code ${server.exitCode} (is port ${port} taken?)`);
    const answeringPid = await new Promise<number | undefined>((resolve) => {
      let reply = '';
      const socket = connect(port, '127.0.0.1', () => socket.write('INFO server\r\n'));
      socket.on('data', (data) => {
        reply += data.toString();
        const match = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
        if (!match) return;
        socket.destroy();
        resolve(Number(match[1]));
      });
      socket.once('error', () => resolve(undefined));
      socket.once('close', () => resolve(undefined));
    });
    if (answeringPid === server.pid) return;
    if (answeringPid !== undefined) throw new Error(`another Redis (process ${answeringPid}) already listens on port ${port}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stops the nodes, then (once they are gone, or after 5 s) the Redis they were using. */
async function stopAll(): Promise<void> {
  stopping = true;
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
    await waitForRedis(redis, redisPort);
    redisUrl = `redis://127.0.0.1:${redisPort}`;
  }
  const nodeScript = new URL('./node.ts', import.meta.url).pathname;
  const exampleDir = new URL('..', import.meta.url).pathname;
  for (let index = 0; index < 3; index++) {
    const nodeId = `node-${index + 1}`;
    const port = basePort === 0 ? 0 : basePort + index;
    const env = { ...process.env, NODE_ID: nodeId, PORT: String(port), HOST: host, REDIS_URL: redisUrl };
    // From this example's folder, where `tsx` is installed, whatever the caller's directory.
    const node = spawn(process.execPath, ['--import', 'tsx', nodeScript], { env, stdio: 'inherit', cwd: exampleDir });
    node.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`grappler cluster: ${nodeId} exited (${signal ?? `code ${code}`}); stopping the others`);
      stop(1)();
    });
    nodes.push(node);
  }
  const where = basePort === 0 ? 'the addresses the nodes print' : `http://${host}:${basePort}/, :${basePort + 1}/ and :${basePort + 2}/`;
  console.log(`grappler cluster: open ${where} side by side (Ctrl-C to stop)`);
}

function stop(code: number): () => void {
  return () => {
    if (!stopping) void stopAll().then(() => process.exit(code));
  };
}
process.once('SIGINT', stop(0));
process.once('SIGTERM', stop(0));
main().catch((error: unknown) => {
  console.error(error);
  stop(1)();
});
