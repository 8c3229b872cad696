import { type TestRedis, startRedis, waitUntil } from '@grappler/testkit';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type Server, type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/**
 * Starts one node of the example as its own process (src/node.ts) on a free port (PORT=0) and
 * resolves with the port it printed once serving.
 */
async function startNode(nodeId: string, redisUrl: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('../src/node.ts', import.meta.url).pathname], {
    env: { ...process.env, NODE_ID: nodeId, PORT: '0', REDIS_URL: redisUrl },
    cwd: new URL('..', import.meta.url).pathname, // where `tsx` is installed
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (data: Buffer) => {
      output += data.toString();
      const match = new RegExp(`${nodeId}: http://127\\.0\\.0\\.1:(\\d+)/`).exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${nodeId} exited with ${code}`)));
  });
  return { child, port };
}

/** A TCP load balancer: each connection goes to the first of `ports` that accepts it. */
async function failover(ports: readonly number[]): Promise<{ port: number; server: Server }> {
  const server = createServer((socket: Socket) => {
    socket.on('error', () => socket.destroy());
    const attempt = (index: number): void => {
      if (index >= ports.length) return void socket.destroy();
      const upstream = connect(ports[index]!, '127.0.0.1');
      upstream.once('error', () => attempt(index + 1));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
        socket.pipe(upstream).pipe(socket);
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

type Frame = { t?: string; s?: number; d?: string; token?: string; resumed?: boolean };

describe('examples/cluster: a node killed with SIGKILL', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("moves its clients to another node, which resumes them with nothing lost or repeated", async () => {
    const redis: TestRedis = await startRedis();
    cleanups.push(() => redis.stop());
    const { child: node1, port: port1 } = await startNode('node-1', redis.url);
    cleanups.push(() => void (node1.exitCode === null && node1.kill('SIGKILL')));
    const { child: node2, port: port2 } = await startNode('node-2', redis.url);
    cleanups.push(() => {
      if (node2.exitCode !== null) return;
      const exited = once(node2, 'exit');
      node2.kill('SIGTERM');
      return exited;
    });
    const balancer = await failover([port1, port2]);
    cleanups.push(() => new Promise((resolve) => balancer.server.close(resolve)));

    // A framed client through the balancer (so on node 1), reconnecting with its token and cursor, as @grappler/client does.
    const received: string[] = [];
    let token: string | undefined;
    let cursor = 0;
    let sockets = 0;
    const open = (): WebSocket => {
      sockets += 1;
      const query = token ? `?resume=${token}&seq=${cursor}` : '';
      const ws = new WebSocket(`ws://127.0.0.1:${balancer.port}/${query}`, ['grappler.v1']);
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Frame;
        if (frame.t === 'hello') token = frame.token;
        if (frame.s !== undefined && frame.s <= cursor && frame.t !== 'hello') return; // a duplicate (none expected)
        if (frame.s !== undefined) cursor = Math.max(cursor, frame.s);
        if (frame.t === undefined && frame.d !== undefined) received.push(frame.d);
        if (frame.t === 'gap') received.push('GAP');
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        if (!stopped) setTimeout(() => (current = open()), 50);
      });
      return ws;
    };
    let stopped = false;
    let current = open();
    cleanups.push(() => {
      stopped = true;
      current.terminate();
    });
    await waitUntil(() => token !== undefined, 'the hello');

    // A sender on node 2 directly: what it sends, node 2 broadcasts to the whole cluster.
    const sender = new WebSocket(`ws://127.0.0.1:${port2}/`);
    cleanups.push(() => sender.terminate());
    await once(sender, 'open');
    for (let index = 1; index <= 100; index++) {
      sender.send(String(index));
      if (index === 40) {
        await waitUntil(() => received.length >= 20, 'some messages before the kill');
        node1.kill('SIGKILL');
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(() => received.length >= 100, 'all 100 messages', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a duplicate would arrive about now
    expect(received).toEqual(Array.from({ length: 100 }, (_, index) => String(index + 1)));
    expect(sockets).toBeGreaterThanOrEqual(2); // it did reconnect, to node 2
    expect(node1.signalCode).toBe('SIGKILL');
  }, 60_000);
});
