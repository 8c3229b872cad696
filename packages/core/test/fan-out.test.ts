import { closeServer, listen, waitUntil } from '@grappler/testkit';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Hub, type HubOptions, createHub } from '../src/index';
import { openLines } from './line-client';
import { lineFormat, lineTransport, lineWrites } from './line-transport';

/** A slice this short is over at every look at the clock: each slice is then 64 recipients. */
const TINY_SLICE_MS = 1e-6;
const SLICE = 64;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('fan-out slices (fanOutSliceMs)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(options: HubOptions): Promise<{ hub: Hub; port: number }> {
    const hub = createHub(options);
    const server = createServer();
    hub.attach(server);
    cleanups.push(async () => {
      await hub.close();
      await closeServer(server);
    });
    return { hub, port: await listen(server) };
  }

  /** Opens `count` line clients, one after another (the hub's order is theirs), and waits until the hub has them all. */
  async function openClients(hub: Hub, port: number, count: number, path = '/lines'): Promise<{ socket: Socket; lines: string[] }[]> {
    const clients = [];
    const target = hub.size + count;
    for (let index = 0; index < count; index++) {
      const client = await openLines(port, path);
      cleanups.push(() => void client.socket.destroy());
      clients.push(client);
      await waitUntil(() => hub.size === target - count + index + 1);
    }
    return clients;
  }

  it('writes a fan-out past fanOutSliceMs a slice per turn of the event loop, encoded once', async () => {
    const plain = lineFormat('plain');
    const { hub, port } = await start({ transports: [lineTransport(plain)], fanOutSliceMs: TINY_SLICE_MS });
    const clients = await openClients(hub, port, 200);
    const before = lineWrites.count;
    hub.broadcast('one');
    expect(lineWrites.count - before).toBe(SLICE);
    await nextTurn();
    expect(lineWrites.count - before).toBe(2 * SLICE);
    await waitUntil(() => clients.every((client) => client.lines.length === 1));
    expect(lineWrites.count - before).toBe(200);
    for (const client of clients) expect(client.lines).toEqual(['one']);
    expect(plain.encodes).toBe(1);
  });

  it('goes on yielding with a few deliveries waiting behind, and writes on once four wait', async () => {
    const { hub, port } = await start({ transports: [lineTransport(lineFormat('plain'))], fanOutSliceMs: TINY_SLICE_MS });
    const clients = await openClients(hub, port, 200);
    const lastId = hub.map((client) => client.id).at(-1)!;
    let before = lineWrites.count;
    hub.broadcast('one');
    hub.send(lastId, 'a'); // two deliveries wait behind the first: a and two
    hub.broadcast('two');
    await nextTurn();
    expect(lineWrites.count - before).toBe(2 * SLICE);
    await waitUntil(() => clients.every((client) => client.lines.at(-1) === 'two'));
    before = lineWrites.count;
    hub.broadcast('three');
    // Four wait behind it; a broadcast joins none across a delivery to one client.
    hub.send(lastId, 'b');
    hub.broadcast('four');
    hub.send(lastId, 'c');
    hub.broadcast('five');
    await nextTurn();
    // The rest of 'three' in one go, then 'b'; then 'four', with two behind it, in slices again.
    expect(lineWrites.count - before).toBe(200 + 1 + SLICE);
    await waitUntil(() => clients.every((client) => client.lines.at(-1) === 'five'));
    for (const client of clients.slice(0, -1)) expect(client.lines).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(clients.at(-1)!.lines).toEqual(['one', 'a', 'two', 'three', 'b', 'four', 'c', 'five']);
  });

  it('sends the broadcasts that waited behind a sliced fan-out together: each client gets them in a row, corked', async () => {
    const plain = lineFormat('plain');
    const { hub, port } = await start({ transports: [lineTransport(plain)], fanOutSliceMs: TINY_SLICE_MS });
    const clients = await openClients(hub, port, 200);
    lineWrites.corkedRuns.length = 0;
    hub.broadcast('one'); // sliced: the rest waits for later turns
    for (const text of ['two', 'three', 'four']) hub.broadcast(text);
    await waitUntil(() => clients.every((client) => client.lines.length === 4));
    for (const client of clients) expect(client.lines).toEqual(['one', 'two', 'three', 'four']);
    expect(lineWrites.corkedRuns).toEqual(new Array(200).fill(3));
    expect(plain.encodes).toBe(4);
  });

  it('groups only like broadcasts queued one after another: the same audience, nothing between them', async () => {
    const { hub, port } = await start({ transports: [lineTransport(lineFormat('plain'))], fanOutSliceMs: TINY_SLICE_MS });
    const clients = await openClients(hub, port, 150);
    const members = hub.map((client) => client);
    await Promise.all(members.slice(0, 10).map((client) => client.join('room')));
    const [sender] = members;
    lineWrites.corkedRuns.length = 0;
    hub.broadcast('a'); // sliced
    hub.broadcast('b'); // waits
    hub.publish('room', 'r'); // another audience: not with b
    hub.broadcast('c'); // after r: not with b either
    hub.send(members.at(-1)!.id, 'direct');
    hub.broadcast('d'); // after the send: not with c
    hub.broadcast('e'); // with d
    sender!.broadcast('x'); // everyone but the sender: not with e
    hub.broadcast('f');
    await waitUntil(() => clients.every((client) => client.lines.at(-1) === 'f'));
    const expected = (index: number): string[] => [
      'a',
      'b',
      ...(index < 10 ? ['r'] : []),
      'c',
      ...(index === 149 ? ['direct'] : []),
      'd',
      'e',
      ...(index === 0 ? [] : ['x']),
      'f',
    ];
    expect(clients.map((client) => client.lines)).toEqual(clients.map((_, index) => expected(index)));
    expect(lineWrites.corkedRuns).toEqual(new Array(150).fill(2)); // d and e, to each client
  });

  it('runs the tick\'s end inside a slice, so that writes deferred to it (an HTTP session\'s) count in its time', async () => {
    const { hub, port } = await start({ transports: [lineTransport(lineFormat('plain'), '/lines', undefined, true)], fanOutSliceMs: TINY_SLICE_MS });
    const clients = await openClients(hub, port, 200);
    const before = lineWrites.deferredFlushes;
    hub.broadcast('one');
    // Written by the slice itself, before it returned: not left for the tick's end, after its deadline.
    expect(lineWrites.deferredFlushes - before).toBe(SLICE);
    await waitUntil(() => clients.every((client) => client.lines.length === 1));
    expect(lineWrites.deferredFlushes - before).toBe(200);
    for (const client of clients) expect(client.lines).toEqual(['one']);
  });

  it('leaves a short fan-out\'s deferred writes to the tick\'s end: a burst still leaves in one write per client', async () => {
    const { hub, port } = await start({ transports: [lineTransport(lineFormat('plain'), '/lines', undefined, true)], fanOutSliceMs: 60_000 });
    const clients = await openClients(hub, port, 150);
    const before = lineWrites.deferredFlushes;
    for (const text of ['a', 'b', 'c']) hub.broadcast(text);
    expect(lineWrites.deferredFlushes - before).toBe(0);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(lineWrites.deferredFlushes - before).toBe(150); // one write each, with all three
    await waitUntil(() => clients.every((client) => client.lines.length === 3));
    for (const client of clients) expect(client.lines).toEqual(['a', 'b', 'c']);
  });

  it('writes every fan-out in one go with fanOutSliceMs: Infinity', async () => {
    const { hub, port } = await start({ transports: [lineTransport(lineFormat('plain'))], fanOutSliceMs: Number.POSITIVE_INFINITY });
    await openClients(hub, port, 150);
    const before = lineWrites.count;
    hub.broadcast('all at once');
    expect(lineWrites.count - before).toBe(150);
  });

  it('keeps order: what is sent after a sliced fan-out reaches each client after it', async () => {
    const { hub, port } = await start({ transports: [lineTransport(lineFormat('plain'))], fanOutSliceMs: TINY_SLICE_MS });
    const clients = await openClients(hub, port, 150);
    const lastId = hub.map((client) => client.id).at(-1)!;
    hub.broadcast('first');
    expect(hub.send(lastId, 'direct')).toBe(true); // the last client is not written to yet
    hub.publish('nobody', 'to an empty channel');
    hub.broadcast('second');
    await waitUntil(() => clients.every((client) => client.lines.length >= 2) && clients.some((client) => client.lines.length === 3));
    const seen = clients.map((client) => client.lines.join(','));
    expect(seen.filter((lines) => lines === 'first,direct,second')).toHaveLength(1);
    expect(seen.filter((lines) => lines === 'first,second')).toHaveLength(149);
  });

  it('does not send a fan-out to a client that connects while it is under way', async () => {
    let gate: Promise<boolean> | undefined;
    let asked = 0;
    const { hub, port } = await start({
      transports: [lineTransport(lineFormat('plain'))],
      fanOutSliceMs: TINY_SLICE_MS,
      acceptClient: () => {
        asked++;
        return gate ?? true;
      },
    });
    const early = await openClients(hub, port, 200);
    let release: (admit: boolean) => void = () => {};
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const late = await openLines(port, '/lines');
    cleanups.push(() => void late.socket.destroy());
    await waitUntil(() => asked === 201); // its admission waits for the gate
    const before = lineWrites.count;
    let writtenWhenLateConnected = -1;
    hub.once('connection', () => {
      writtenWhenLateConnected = lineWrites.count - before;
    });
    hub.broadcast('before');
    setImmediate(() => release(true)); // between the second slice and the third
    await waitUntil(() => hub.size === 201 && early.every((client) => client.lines.length === 1));
    expect(writtenWhenLateConnected).toBe(2 * SLICE);
    hub.broadcast('after');
    await waitUntil(() => late.lines.length === 1 && early.every((client) => client.lines.length === 2));
    expect(late.lines).toEqual(['after']);
  });

  it('does not send a channel fan-out to a client that joins while it is under way', async () => {
    const { hub, port } = await start({ transports: [lineTransport(lineFormat('plain'))], fanOutSliceMs: TINY_SLICE_MS });
    const clients = await openClients(hub, port, 150);
    const members = hub.map((client) => client);
    const latecomer = members.pop()!;
    await Promise.all(members.map((client) => client.join('room')));
    hub.publish('room', 'news');
    setImmediate(() => void latecomer.join('room')); // between the second slice and the third
    await waitUntil(() => clients.filter((client) => client.lines.length === 1).length === 149);
    hub.publish('room', 'later');
    await waitUntil(() => clients.every((client) => client.lines.at(-1) === 'later'));
    const seen = clients.map((client) => client.lines.join(','));
    expect(seen.filter((lines) => lines === 'news,later')).toHaveLength(149);
    expect(seen.filter((lines) => lines === 'later')).toHaveLength(1);
  });

  it('reports a fan-out that throws in a later slice, and goes on delivering what follows', async () => {
    const plain = lineFormat('plain');
    const broken = lineFormat('broken', () => {
      throw new Error('cannot encode');
    });
    const { hub, port } = await start({ transports: [lineTransport(plain, '/plain'), lineTransport(broken, '/broken')], fanOutSliceMs: TINY_SLICE_MS });
    const errors: Error[] = [];
    hub.on('error', (error) => errors.push(error));
    const before = await openClients(hub, port, 100, '/plain');
    const [brokenClient] = await openClients(hub, port, 1, '/broken');
    const after = await openClients(hub, port, 20, '/plain');
    hub.broadcast('one'); // its second slice reaches the broken format
    await waitUntil(() => errors.length === 1);
    expect(errors[0]!.message).toBe('cannot encode');
    brokenClient!.socket.destroy();
    await waitUntil(() => hub.size === 120);
    hub.broadcast('two');
    await waitUntil(() => [...before, ...after].every((client) => client.lines.at(-1) === 'two'));
    for (const client of before) expect(client.lines).toEqual(['one', 'two']);
    for (const client of after) expect(client.lines).toEqual(['two']);
  });

  it('validates fanOutSliceMs', () => {
    expect(() => createHub({ fanOutSliceMs: 0 })).toThrow(/fanOutSliceMs must be a positive number/);
  });
});
