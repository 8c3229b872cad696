import { afterEach, describe, expect, it } from 'vitest';
import type { GrapplerClient, TransportName } from '../src/index';
import { SERVER_TRANSPORTS, type TestServer, nextEvent, sleep, startClient, startServer, waitUntil } from './helpers';

let server: TestServer | undefined;
let client: GrapplerClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.hub.close();
  client = server = undefined;
});

const ALL: TransportName[] = ['websocket', 'sse', 'xhr-multipart', 'longpoll'];

describe.each(ALL)('%s alone', (name) => {
  const start = async () => {
    server = await startServer([SERVER_TRANSPORTS[name]()]);
    const started = startClient(server.url, { transports: [name] });
    client = started.client;
    return started;
  };

  it('opens, receives a broadcast, and sends messages the server sees in order', async () => {
    const { client, messages, events } = await start();
    client.send('queued 1'); // before open: queued and flushed in order
    client.send('queued 2');
    await nextEvent(client, 'open');
    expect(client.state).toBe('open');
    expect(client.transport).toBe(name);
    client.send('after open');
    server!.hub.broadcast('hello');
    await waitUntil(() => messages.includes('hello'), 'the broadcast');
    await waitUntil(() => server!.received.length === 3, 'three messages on the server');
    expect(server!.received).toEqual(['queued 1', 'queued 2', 'after open']);
    expect(server!.clients[0]!.transport).toBe(name);
    expect(events).toEqual(['open']);
  });

  it('receives a binary broadcast as a Uint8Array', async () => {
    const { client, messages } = await start();
    await nextEvent(client, 'open');
    server!.hub.broadcast(Uint8Array.from([0, 1, 0xfe, 0xff]));
    await waitUntil(() => messages.length === 1, 'the binary message');
    expect(messages[0]).toBeInstanceOf(Uint8Array);
    expect([...(messages[0] as Uint8Array)]).toEqual([0, 1, 0xfe, 0xff]);
  });

  it('reconnects after the server drops the connection and keeps receiving', async () => {
    const { client, messages, events } = await start();
    await nextEvent(client, 'open');
    await sleep(50); // long polling: let the next poll reach the server, so there is something to cut
    const reconnected = nextEvent(client, 'reconnect');
    if (name === 'websocket') server!.clients[0]!.close();
    else server!.dropStreams();
    await reconnected;
    expect(events).toContain('reconnecting');
    // A close with a code ends the client for good: the reconnect is a new client.
    if (name === 'websocket') expect(server!.clients).toHaveLength(2);
    expect(client.state).toBe('open');
    server!.hub.broadcast('after');
    await waitUntil(() => messages.includes('after'), 'a message after the reconnect');
    client.send('up again');
    await waitUntil(() => server!.received.includes('up again'), 'a message sent after the reconnect');
  });

  it('receives 1..1000 once, in order, with no gap, while the server cuts the connection five times; what it sends arrives once', async () => {
    const { client, messages, events } = await start();
    const gaps: unknown[] = [];
    client.on('gap', (gap) => gaps.push(gap));
    await nextEvent(client, 'open');
    const id = client.id;
    const count = 1000;
    for (let i = 1; i <= count; i++) {
      server!.hub.broadcast(String(i));
      // A cut without a close frame or a response end: a WebSocket closes with 1006, a stream or poll errors.
      // A pause first: a long poll answers a burst at once, and only a poll held open is there to cut.
      if (i % 200 === 100) {
        await sleep(50);
        server!.dropStreams();
      }
      if (i % 10 === 0) {
        client.send(`up ${i / 10}`); // open or not: queued, or unacknowledged when the cut comes
        await sleep(2);
      }
    }
    await waitUntil(() => messages.length >= count && server!.received.length >= count / 10, 'everything, both ways', 20_000);
    await sleep(50); // a duplicate would arrive about now
    expect(messages).toEqual(Array.from({ length: count }, (_, i) => String(i + 1)));
    expect(server!.received).toEqual(Array.from({ length: count / 10 }, (_, i) => `up ${i + 1}`));
    expect(gaps).toEqual([]);
    expect(events.filter((e) => e === 'reconnect').length).toBeGreaterThanOrEqual(1);
    expect(server!.clients).toHaveLength(1); // one client, resumed each time
    expect(client.id).toBe(id);
  });
});
