import { type Server as HttpServer, type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redisLog, redisStorage } from '@grappler/storage-redis';
import { type TestRedis, startRedis } from '@grappler/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GrapplerClient } from '../src/index';
import { SERVER_TRANSPORTS, type TestServer, nextEvent, sleep, startClient, startServer, waitUntil } from './helpers';

/** An HTTP proxy that sends each request to the next of `targets` in turn: no sticky sessions. */
async function roundRobin(targets: readonly string[]): Promise<{ url: string; served: Set<string>; close(): Promise<void> }> {
  let next = 0;
  const served = new Set<string>();
  const proxy: HttpServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = new URL(targets[next++ % targets.length]!);
    served.add(target.host);
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`,
    served,
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

describe('a cluster of hubs sharing a Redis log, behind a load balancer without sticky sessions', () => {
  let redis: TestRedis;
  let nodes: TestServer[] = [];
  let client: GrapplerClient | undefined;
  let proxy: Awaited<ReturnType<typeof roundRobin>> | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());
  afterEach(async () => {
    client?.close();
    await proxy?.close();
    await Promise.all(nodes.map((node) => node.hub.close()));
    client = proxy = undefined;
    nodes = [];
  });

  it("long polling with every request on the next node: everything once and in the log's order, both ways", async () => {
    const keyPrefix = `client-cluster-${Date.now()}:`;
    nodes = await Promise.all(
      [1, 2, 3].map((n) =>
        startServer([SERVER_TRANSPORTS.longpoll()], {
          nodeId: `node-${n}`,
          storage: redisStorage({ url: redis.url, keyPrefix }),
          sharedLog: redisLog({ url: redis.url, keyPrefix }),
        }),
      ),
    );
    proxy = await roundRobin(nodes.map((node) => node.url));
    const started = startClient(proxy.url, { transports: ['longpoll'] });
    client = started.client;
    const ids: string[] = [];
    client.on('message', (_data, meta) => ids.push(meta.id ?? ''));
    await nextEvent(client, 'open');
    const count = 60;
    for (let index = 1; index <= count; index++) {
      nodes[index % 3]!.hub.broadcast(String(index));
      client.send(`up ${index}`);
      await sleep(15);
    }
    const upstream = (): string[] => nodes.flatMap((node) => node.received);
    await waitUntil(() => started.messages.length >= count && upstream().length >= count, 'everything, both ways', 15_000);
    await sleep(200); // a duplicate would arrive about now
    // Each message once, in the log's order. That is not always the order the nodes broadcast in:
    // Redis takes each node's appends on its own connection, and a stalled Redis may take a later
    // one first. A node's own appends keep their order.
    expect([...started.messages].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: count }, (_, index) => String(index + 1)));
    const numbers = ids.map((id) => Number(id.slice(id.lastIndexOf('.') + 1)));
    expect(numbers.every((seq, index) => index === 0 || seq > numbers[index - 1]!)).toBe(true);
    for (const [n, node] of nodes.entries()) {
      const own = started.messages.filter((text) => Number(text) % 3 === n);
      expect(own).toEqual(Array.from({ length: count }, (_, index) => String(index + 1)).filter((text) => Number(text) % 3 === n));
      expect(ids.filter((_, index) => Number(started.messages[index]) % 3 === n).every((id) => id.startsWith(`${node.hub.nodeId}.`))).toBe(true);
    }
    // Each node's `received` is in its own order; together, each message once.
    expect(upstream().sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))).toEqual(Array.from({ length: count }, (_, index) => `up ${index + 1}`));
    expect(proxy.served.size).toBe(3); // every node served some of it
  });
});
