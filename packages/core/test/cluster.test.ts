import { listen, waitUntil } from '@grappler/testkit';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Client, type Hub, createHub, framedFormat, memoryCluster } from '../src/index';
import { openLines } from './line-client';
import { lineFormat, lineTransport } from './line-transport';

describe('hubs sharing a log act as one', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Two hubs ("nodes") on one in-memory cluster, each with a raw and a framed line transport. */
  async function twoNodes(): Promise<{ hubs: Hub[]; ports: number[] }> {
    const cluster = memoryCluster();
    const plain = lineFormat('plain');
    const hubs: Hub[] = [];
    const ports: number[] = [];
    for (const nodeId of ['node-a', 'node-b']) {
      const hub = createHub({ nodeId, sharedLog: cluster.connect(), transports: [lineTransport(plain, '/raw'), lineTransport(framedFormat(plain), '/framed')] });
      const server = createServer();
      hub.attach(server);
      cleanups.push(() => hub.close());
      hubs.push(hub);
      ports.push(await listen(server));
    }
    return { hubs, ports };
  }

  async function clientOf(hub: Hub, port: number, path: string): Promise<{ lines: string[]; client: Client }> {
    const connected = new Promise<Client>((resolve) => hub.once('connection', resolve));
    const { socket, lines } = await openLines(port, path);
    cleanups.push(() => void socket.destroy());
    return { lines, client: await connected };
  }

  it('a broadcast, a publish and a direct send on one node reach the clients of every node, once each', async () => {
    const { hubs, ports } = await twoNodes();
    const [a, b] = hubs as [Hub, Hub];
    const onA = await clientOf(a, ports[0]!, '/raw');
    const onB = await clientOf(b, ports[1]!, '/raw');
    const outsider = await clientOf(b, ports[1]!, '/raw');
    await onA.client.join('room');
    await onB.client.join('room');

    a.broadcast('to everyone, from a');
    b.publish('room', 'to the room, from b');
    a.send(onB.client.id, 'to one client on b, from a');
    expect(b.to(onA.client.id).send('to one client on a, from b')).toBe(true);
    await waitUntil(() => onA.lines.length === 3 && onB.lines.length === 3 && outsider.lines.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50)); // a duplicate would arrive about now
    expect(onA.lines).toEqual(['to everyone, from a', 'to the room, from b', 'to one client on a, from b']);
    expect(onB.lines).toEqual(['to everyone, from a', 'to the room, from b', 'to one client on b, from a']);
    expect(outsider.lines).toEqual(['to everyone, from a']);
  });

  it('gives every message one number across nodes, keeping the order each node sent in', async () => {
    const { hubs, ports } = await twoNodes();
    const [a, b] = hubs as [Hub, Hub];
    const framedA = await clientOf(a, ports[0]!, '/framed');
    const framedB = await clientOf(b, ports[1]!, '/framed');
    await waitUntil(() => framedA.lines.length === 1 && framedB.lines.length === 1); // their hellos
    for (let index = 1; index <= 100; index++) {
      a.broadcast(`a${index}`);
      b.broadcast(`b${index}`);
    }
    await waitUntil(() => framedA.lines.length === 201 && framedB.lines.length === 201);
    const frames = (lines: string[]) => lines.slice(1).map((line) => JSON.parse(line) as { s: number; d: string; id: string });
    const seenOnA = frames(framedA.lines);
    const seenOnB = frames(framedB.lines);
    // The same numbers and the same order on both nodes, 1..200 without holes.
    expect(seenOnA.map((frame) => [frame.s, frame.d])).toEqual(seenOnB.map((frame) => [frame.s, frame.d]));
    expect(seenOnA.map((frame) => frame.s)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
    // Each node's messages in the order it sent them, stamped with its id.
    for (const node of ['a', 'b']) {
      const own = seenOnA.filter((frame) => frame.d.startsWith(node));
      expect(own.map((frame) => frame.d)).toEqual(Array.from({ length: 100 }, (_, index) => `${node}${index + 1}`));
      expect(own.every((frame) => frame.id === `node-${node}.${frame.s}`)).toBe(true);
    }
    expect(a.seq).toBe(200);
    expect(b.seq).toBe(200);
  });

  it("answers a framed client's channel commands through the log, and hub.to() finds a channel or a client on any node", async () => {
    const { hubs, ports } = await twoNodes();
    const [a, b] = hubs as [Hub, Hub];
    const framed = await clientOf(a, ports[0]!, '/framed');
    const raw = await clientOf(b, ports[1]!, '/raw');
    await raw.client.join('room');
    await waitUntil(() => framed.lines.length === 1);
    await framed.client.join('room');
    await waitUntil(() => framed.lines.length === 2);
    expect(JSON.parse(framed.lines[1]!)).toMatchObject({ t: 'joined', c: 'room' });
    expect(a.to('room').send('room, via a')).toBe(true);
    expect(a.to(raw.client.id).send('client on b, via a')).toBe(true);
    await waitUntil(() => raw.lines.length === 2 && framed.lines.length === 3);
    expect(raw.lines).toEqual(['room, via a', 'client on b, via a']);
    expect(JSON.parse(framed.lines[2]!)).toMatchObject({ c: 'room', d: 'room, via a' });
  });
});
