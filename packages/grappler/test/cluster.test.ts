import type { Client } from '@grappler/core';
import { redisLog, redisStorage } from '@grappler/storage-redis';
import { type RecordingSocket, type TestRedis, openSocket, startRedis, waitUntil } from '@grappler/testkit';
import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../src/index';
import { listening } from './listening';

/** Three servers ("nodes") sharing one real redis-server: the log, and the client registry. */
describe('servers sharing a Redis log act as one', () => {
  let redis: TestRedis;
  let servers: Server[] = [];
  const sockets: RecordingSocket[] = [];
  const sources: EventSource[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    for (const source of sources.splice(0)) source.close();
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  });

  /** Starts `count` nodes on a fresh key prefix (so tests never see each other's log). */
  async function nodes(count: number): Promise<{ server: Server; base: string }[]> {
    const keyPrefix = `test-${Math.random().toString(36).slice(2)}:`;
    const started = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        listening({
          nodeId: `node-${index + 1}`,
          storage: redisStorage({ url: redis.url, keyPrefix }),
          sharedLog: redisLog({ url: redis.url, keyPrefix }),
        }),
      ),
    );
    servers = started.map(({ server }) => server);
    return started;
  }

  async function wsClient(node: { server: Server; base: string }, protocols: string[] = []): Promise<{ socket: RecordingSocket; client: Client }> {
    const connected = new Promise<Client>((resolve) => node.server.once('connection', resolve));
    const socket = await openSocket(node.base.replace('http', 'ws'), { protocols });
    sockets.push(socket);
    return { socket, client: await connected };
  }

  it('a broadcast, a channel publish and a direct send on any node reach the clients on every node, once each', async () => {
    const [one, two, three] = await nodes(3);
    const a = await wsClient(one!);
    const b = await wsClient(two!);
    const sseMessages: string[] = [];
    const connected = new Promise<Client>((resolve) => three!.server.once('connection', resolve));
    const source = new EventSource(`${three!.base}/`);
    sources.push(source);
    source.onmessage = (event) => sseMessages.push(event.data);
    const c = await connected;
    await a.client.join('room');
    await c.join('room');

    one!.server.broadcast('everyone, from node 1');
    two!.server.publish('room', 'the room, from node 2');
    three!.server.hub.send(b.client.id, 'b alone, from node 3');
    await waitUntil(() => a.socket.messages.length === 2 && b.socket.messages.length === 2 && sseMessages.length === 2);
    for (const { server } of [one!, two!, three!]) expect(await server.hub.clusterSize()).toBe(3); // each node counts all three
    await new Promise((resolve) => setTimeout(resolve, 100)); // a duplicate would arrive about now
    // Sent in one turn from three nodes, they are in the log's order, which need not be the order
    // they were sent in (Redis takes each node's appends on its own connection); every node has the same.
    expect([...a.socket.messages].sort()).toEqual(['everyone, from node 1', 'the room, from node 2']);
    expect([...b.socket.messages].sort()).toEqual(['b alone, from node 3', 'everyone, from node 1']);
    expect(sseMessages).toEqual(a.socket.messages);
  });

  it('numbers every message once across nodes: framed clients on each node see the same numbers, and each node its own order', async () => {
    const started = await nodes(3);
    const framed = await Promise.all(started.map((node) => wsClient(node, ['grappler.v1'])));
    await waitUntil(() => framed.every(({ socket }) => socket.messages.length === 1)); // hellos
    const count = 100;
    for (let index = 1; index <= count; index++) {
      for (const [n, node] of started.entries()) node.server.broadcast(`n${n + 1}-${index}`);
    }
    await waitUntil(() => framed.every(({ socket }) => socket.messages.length === 1 + 3 * count), 'every message on every node', 15_000);
    const seen = framed.map(({ socket }) => socket.messages.slice(1).map((text) => JSON.parse(text) as { s: number; d: string; id: string }));
    for (const frames of seen.slice(1)) expect(frames.map((f) => [f.s, f.d])).toEqual(seen[0]!.map((f) => [f.s, f.d]));
    const numbers = seen[0]!.map((f) => f.s);
    expect(new Set(numbers).size).toBe(3 * count);
    expect([...numbers].sort((x, y) => x - y)).toEqual(numbers);
    for (let n = 1; n <= 3; n++) {
      const own = seen[0]!.filter((f) => f.d.startsWith(`n${n}-`));
      expect(own.map((f) => f.d)).toEqual(Array.from({ length: count }, (_, index) => `n${n}-${index + 1}`));
      expect(own.every((f) => f.id === `node-${n}.${f.s}`)).toBe(true);
    }
  });

  it('a framed client cut from its node resumes on another: same client, what it missed once, in order, its channels kept', async () => {
    const [one, two, three] = await nodes(3);
    const first = await wsClient(one!, ['grappler.v1']);
    const hello = JSON.parse((await first.socket.waitForMessages(1))[0]!) as { token: string; id: string };
    await first.client.join('room');
    first.socket.ws.send(JSON.stringify({ u: 1, d: 'up 1' }));
    one!.server.broadcast('before the cut');
    await waitUntil(() => first.socket.messages.some((text) => text.includes('before the cut'))); // after hello and joined
    const cursor = (JSON.parse(first.socket.messages.at(-1)!) as { s: number }).s;
    await waitUntil(() => first.client.upstream === 1);
    const detached = new Promise<void>((resolve) => first.client.once('detach', () => resolve()));
    first.socket.ws.terminate();
    await detached;
    const leaves: string[] = [];
    one!.server.on('leave', (_client, channel) => leaves.push(channel));

    three!.server.broadcast('missed 1 (node 3)');
    two!.server.publish('room', 'missed 2 (room, node 2)');
    three!.server.hub.send(hello.id, 'missed 3 (direct, node 3)');
    two!.server.publish('elsewhere', 'not for it');
    const received: string[] = [];
    const adopted = new Promise<Client>((resolve) => two!.server.once('connection', resolve));
    const socket = await openSocket(`${two!.base.replace('http', 'ws')}/?resume=${hello.token}&seq=${cursor}`, { protocols: ['grappler.v1'] });
    sockets.push(socket);
    const client = await adopted;
    client.on('message', (data) => received.push(String(data)));
    const frames = (await socket.waitForMessages(4)).map((text) => JSON.parse(text) as { t?: string; d?: string; s: number; up?: number; resumed?: boolean; id?: string });
    expect(frames[0]).toMatchObject({ t: 'hello', resumed: true, id: hello.id, s: cursor, up: 1 });
    // Nodes 2 and 3 sent at once: the log orders them; each node's own order holds (1 before 3).
    const missed = frames.slice(1).map((frame) => frame.d);
    expect([...missed].sort()).toEqual(['missed 1 (node 3)', 'missed 2 (room, node 2)', 'missed 3 (direct, node 3)']);
    expect(missed.indexOf('missed 1 (node 3)')).toBeLessThan(missed.indexOf('missed 3 (direct, node 3)'));
    expect(frames.slice(1).map((frame) => frame.s)).toEqual([...frames.slice(1).map((frame) => frame.s)].sort((x, y) => x - y));
    expect(client.id).toBe(hello.id);
    expect(client.channels).toEqual(new Set(['room']));
    // The old node let its copy go, quietly: no leave, no trace.
    await waitUntil(() => one!.server.hub.get(hello.id) === undefined);
    expect(leaves).toEqual([]);
    // Upstream numbers carry on: 1 was delivered on node 1, 2 is new.
    socket.ws.send(JSON.stringify({ u: 1, d: 'up 1' }));
    socket.ws.send(JSON.stringify({ u: 2, d: 'up 2' }));
    await waitUntil(() => received.length === 1);
    expect(received).toEqual(['up 2']);
    // Still a member of the room, now on node 2.
    three!.server.publish('room', 'after the move');
    await waitUntil(() => socket.messages.some((text) => text.includes('after the move')));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(socket.messages.filter((text) => text.includes('missed'))).toHaveLength(3);
  });

  it('keeps serving through a Redis restart: reports it, reconnects by itself, and numbers on without repeating a number', async () => {
    const [one, two] = await nodes(2);
    const errors: string[] = [];
    for (const { server } of [one!, two!]) server.on('error', (error) => errors.push(error.message));
    const framed = await wsClient(one!, ['grappler.v1']);
    const plain = await wsClient(two!);
    await framed.socket.waitForMessages(1);
    for (let index = 1; index <= 5; index++) two!.server.broadcast(`before ${index}`);
    await waitUntil(() => framed.socket.messages.length === 6 && plain.socket.messages.length === 5);

    await redis.restart(); // no persistence: the log, its numbers and the records are gone
    // Sends while Redis comes back may fail (and are reported); once it is back, everything flows again.
    let after = 0;
    await waitUntil(
      () => {
        two!.server.broadcast(`after ${++after}`);
        return framed.socket.messages.some((text) => text.includes('"d":"after'));
      },
      'a broadcast through the restarted Redis',
      15_000,
    );
    expect(framed.socket.ws.readyState).toBe(1); // the connections stayed up throughout
    expect(plain.socket.ws.readyState).toBe(1);
    await waitUntil(() => errors.some((message) => /lost the log|reset|could not|Redis/i.test(message)), 'the fault reported');
    const numbers = framed.socket.messages.slice(1).map((text) => (JSON.parse(text) as { s: number }).s);
    expect(new Set(numbers).size).toBe(numbers.length); // never a number twice
    expect([...numbers].sort((x, y) => x - y)).toEqual(numbers); // and always increasing
  }, 30_000);

  it("answers for a channel's members on every node: clusterMembers() and clusterSize()", async () => {
    const [one, two, three] = await nodes(3);
    const first = await wsClient(one!);
    const second = await wsClient(two!);
    await first.client.join('room');
    await second.client.join('room');
    const room = three!.server.channel('room');
    expect(room.size).toBe(0); // none of them on this node
    await waitUntil(async () => (await room.clusterSize()) === 2, 'both members counted');
    expect((await room.clusterMembers()).sort()).toEqual([first.client.id, second.client.id].sort());
    await first.client.leave('room');
    await waitUntil(async () => (await room.clusterSize()) === 1, 'a member that left');
    second.socket.ws.close();
    await waitUntil(async () => (await room.clusterSize()) === 0, 'a member that closed');
  });

  it('clusterSize() stops counting the clients of a node that died without closing them', async () => {
    const keyPrefix = `test-${Math.random().toString(36).slice(2)}:`;
    // What a node killed with SIGKILL leaves: its heartbeat, then its clients' records, never removed.
    const dead = redisStorage({ url: redis.url, keyPrefix });
    await dead.heartbeat!('node-killed', 1_500, 60_000);
    for (const id of ['a', 'b']) await dead.addClient({ id, node: 'node-killed', transport: 'websocket', remoteAddress: '127.0.0.1', connectedAt: Date.now() });
    expect(await dead.countClients()).toBe(2);
    await dead.close();
    const live = await listening({
      nodeId: 'node-live',
      pingInterval: 100,
      nodeTimeoutMs: 300,
      storage: redisStorage({ url: redis.url, keyPrefix }),
      sharedLog: redisLog({ url: redis.url, keyPrefix }),
    });
    servers = [live.server];
    await wsClient(live);
    const sizes: number[] = [];
    // The live node's heartbeats (every 100 ms) sweep the dead node's records once its 1.5 s ran out.
    for (const deadline = Date.now() + 5_000; sizes.at(-1) !== 1 && Date.now() < deadline; ) {
      sizes.push(await live.server.hub.clusterSize());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sizes.at(-1)).toBe(1); // the live one only
  });

  it('serves its own clients while Redis is unreachable, then delivers what was sent meanwhile, once each', async () => {
    const [one, two] = await nodes(2);
    const errors: string[] = [];
    for (const { server } of [one!, two!]) server.on('error', (error) => errors.push(error.message));
    const plainOne = await wsClient(one!);
    const framedOne = await wsClient(one!, ['grappler.v1']);
    const plainTwo = await wsClient(two!);
    await framedOne.socket.waitForMessages(1); // hello
    one!.server.broadcast('before');
    await waitUntil(() => plainTwo.socket.messages.length === 1 && framedOne.socket.messages.length === 2);
    const data = (messages: string[]): string[] => messages.slice(1).map((text) => (JSON.parse(text) as { d: string }).d);

    redis.pause(); // frozen: connections stay open, nothing answers (a network cut, a stalled server)
    try {
      for (let index = 1; index <= 5; index++) one!.server.broadcast(`during ${index}`);
      two!.server.broadcast('from two');
      // Each node's plain clients get its messages once its appends time out (commandTimeoutMs).
      await waitUntil(() => plainOne.socket.messages.length === 6 && plainTwo.socket.messages.length === 2, 'plain clients served meanwhile', 10_000);
      expect(plainOne.socket.messages).toEqual(['before', 'during 1', 'during 2', 'during 3', 'during 4', 'during 5']);
      expect(plainTwo.socket.messages).toEqual(['before', 'from two']);
      expect(data(framedOne.socket.messages)).toEqual(['before']); // framed clients wait for the log's numbers
      expect(errors.some((message) => /unreachable/.test(message))).toBe(true);
    } finally {
      redis.resume();
    }
    // Redis wakes up to the appends it was sent before it froze, and the nodes retry theirs: each once.
    await waitUntil(() => plainOne.socket.messages.length === 7 && plainTwo.socket.messages.length === 7 && framedOne.socket.messages.length === 8, 'what was sent meanwhile', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // any retry still under way is done by now
    expect([...plainOne.socket.messages].sort()).toEqual(['before', 'during 1', 'during 2', 'during 3', 'during 4', 'during 5', 'from two']);
    expect(plainTwo.socket.messages.filter((text) => text.startsWith('during'))).toEqual(['during 1', 'during 2', 'during 3', 'during 4', 'during 5']);
    expect(plainTwo.socket.messages).toHaveLength(7);
    expect(data(framedOne.socket.messages).filter((text) => text.startsWith('during'))).toEqual(['during 1', 'during 2', 'during 3', 'during 4', 'during 5']);
    const numbers = framedOne.socket.messages.slice(1).map((text) => (JSON.parse(text) as { s: number }).s);
    expect(numbers).toEqual(Array.from({ length: 7 }, (_, index) => numbers[0]! + index)); // one number each, no hole
    expect(framedOne.socket.ws.readyState).toBe(1);
  }, 40_000);
});
