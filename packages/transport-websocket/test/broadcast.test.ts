import { openSocket, type RecordingSocket } from '@grappler/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Hub } from '@grappler/core';
import { nextConnection, startHub } from './start-hub';

describe('delivery over RFC 6455', () => {
  let hub: Hub | undefined;
  const sockets: RecordingSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await hub?.close();
    hub = undefined;
  });

  async function connect(url: string, count: number): Promise<RecordingSocket[]> {
    const opened = await Promise.all(Array.from({ length: count }, () => openSocket(url)));
    sockets.push(...opened);
    // Wait for the hub to register them all before sending.
    while (hub!.size < sockets.length) await new Promise((resolve) => setImmediate(resolve));
    return opened;
  }

  it('broadcast reaches every client, in order, as text and binary', async () => {
    const started = await startHub();
    hub = started.hub;
    const clients = await connect(started.url, 5);
    hub.broadcast('one');
    hub.broadcast(Uint8Array.from([0, 1, 2, 255]));
    hub.broadcast('aGk=', 'base64');
    hub.broadcast('x'.repeat(70_000));
    for (const client of clients) {
      expect(await client.waitForMessages(4)).toEqual(['one', 'binary:000102ff', 'binary:6869', 'x'.repeat(70_000)]);
    }
  });

  it('client.broadcast reaches everyone but the sender', async () => {
    const started = await startHub();
    hub = started.hub;
    const connected = nextConnection(hub);
    const [sender] = await connect(started.url, 1);
    const senderClient = await connected;
    const others = await connect(started.url, 3);
    senderClient.broadcast('from the sender');
    for (const other of others) expect(await other.waitForMessages(1)).toEqual(['from the sender']);
    sender!.ws.send('ping');
    await new Promise((resolve) => senderClient.once('message', resolve));
    expect(sender!.messages).toEqual([]);
  });

  it('send(id) reaches that client alone and reports unknown ids', async () => {
    const started = await startHub();
    hub = started.hub;
    const clients = await connect(started.url, 3);
    const target = hub.map((client) => client.id)[1]!;
    expect(hub.send(target, 'just you')).toBe(true);
    expect(hub.send('no-such-client', 'lost')).toBe(false);
    hub.broadcast('everyone');
    const received = await Promise.all(clients.map((c) => c.waitForMessages(1).then(() => c.messages)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.filter((messages) => messages.includes('just you'))).toHaveLength(1);
  });

  it('delivers messages from clients as message events on the same Client', async () => {
    const started = await startHub();
    hub = started.hub;
    const connected = nextConnection(hub);
    const [socket] = await connect(started.url, 1);
    const client = await connected;
    const received: (string | Uint8Array)[] = [];
    client.on('message', (data) => received.push(data));
    socket!.ws.send('text');
    socket!.ws.send(Buffer.from([9, 8, 7]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received[0]).toBe('text');
    expect(Buffer.from(received[1] as Uint8Array)).toEqual(Buffer.from([9, 8, 7]));
  });

  it('offers the registry: size, get, find, forEach, map, filter', async () => {
    const started = await startHub();
    hub = started.hub;
    await connect(started.url, 3);
    expect(hub.size).toBe(3);
    const ids = hub.map((client) => client.id);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(hub.get(ids[0]!)?.id).toBe(ids[0]);
    expect(hub.get('unknown')).toBeUndefined();
    expect(hub.find((client) => client.id === ids[2])?.id).toBe(ids[2]);
    let found: string | undefined;
    hub.find(ids[1]!, function (this: { tag: string }, client) {
      found = `${this.tag}:${client.id}`;
    }, { tag: 'seed' });
    expect(found).toBe(`seed:${ids[1]}`);
    const seen: string[] = [];
    hub.forEach((client) => {
      seen.push(client.id);
    });
    expect(seen.sort()).toEqual([...ids].sort());
    expect(hub.filter((client) => client.id !== ids[0]).map((c) => c.id).sort()).toEqual(ids.slice(1).sort());
    const first = sockets[0]!;
    await first.close();
    while (hub.size > 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(hub.size).toBe(2);
  });

  it('describes each client: transport, version, state bits, address, headers', async () => {
    const started = await startHub();
    hub = started.hub;
    const connected = nextConnection(hub);
    await connect(started.url, 1);
    const client = await connected;
    expect(client.transport).toBe('websocket');
    expect(client.version).toBe('rfc6455');
    expect(client.state).toBe(1 | 8);
    expect(client.closed).toBe(false);
    expect(client.remoteAddress).toBe('127.0.0.1');
    expect(client.headers.host).toBe(new URL(started.url).host);
    const changes: [number, number][] = [];
    client.on('stateChange', (state, previous) => changes.push([state, previous]));
    const closed = new Promise((resolve) => client.once('close', resolve));
    sockets[0]!.ws.close(1000, 'bye');
    expect(await closed).toEqual({ code: 1000, reason: 'bye' });
    expect(changes).toEqual([[8, 9]]);
    // Closed is kept beside the state bits, and never shows in them.
    expect(client.closed).toBe(true);
    expect(client.state).toBe(8);
  });
});
