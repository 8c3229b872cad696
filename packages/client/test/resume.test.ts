import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gap, GrapplerClient, TransportName } from '../src/index';
import { SERVER_TRANSPORTS, type TestServer, nextEvent, sleep, startClient, startServer, waitUntil } from './helpers';

let server: TestServer | undefined;
let client: GrapplerClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.hub.close();
  client = server = undefined;
});

const ALL: TransportName[] = ['websocket', 'sse', 'xhr-multipart', 'longpoll'];
const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe.each(ALL)('a gap over %s', (name) => {
  it('is reported when the backlog no longer holds what was sent while the client was away; what it holds follows, in order', async () => {
    server = await startServer([SERVER_TRANSPORTS[name]()], { limits: { backlogBytes: 100 } });
    const started = startClient(server.url, { transports: [name] });
    client = started.client;
    const { messages } = started;
    const gaps: Gap[] = [];
    client.on('gap', (gap) => gaps.push(gap));
    await nextEvent(client, 'open');
    server.hub.broadcast('first'); // number 1
    await waitUntil(() => messages.length === 1, 'the first message');
    await sleep(50); // long polling: let the next poll reach the server, so there is something to cut
    const away = nextEvent(client, 'reconnecting');
    server.dropStreams();
    await away; // the retry timer has not run yet: the client is away
    const missed = range('missed-', 10, 59); // numbers 2..51, 9 bytes each: the backlog keeps the last 11
    for (const data of missed) server.hub.broadcast(data);
    await nextEvent(client, 'reconnect');
    await waitUntil(() => messages.at(-1) === missed.at(-1), 'the newest message');
    await sleep(50); // a duplicate would arrive about now
    expect(gaps).toHaveLength(1);
    const [gap] = gaps as [Gap];
    expect(gap.from).toBe(2);
    expect(gap.to).toBeGreaterThan(30);
    expect(gap.to).toBeLessThan(51);
    expect(messages).toEqual(['first', ...missed.slice(gap.to! - 1)]); // message n is missed[n - 2]
    expect(server.clients).toHaveLength(1);
  });
});

describe.each<TransportName>(['sse', 'longpoll'])('from WebSocket to %s', (fallback) => {
  it('continues where the WebSocket left off once upgrades are refused: every broadcast once, every send delivered once', async () => {
    server = await startServer([SERVER_TRANSPORTS.websocket(), SERVER_TRANSPORTS[fallback]()]);
    const started = startClient(server.url, { transports: ['websocket', fallback] });
    client = started.client;
    const { messages, events } = started;
    const gaps: Gap[] = [];
    client.on('gap', (gap) => gaps.push(gap));
    await nextEvent(client, 'open');
    expect(client.transport).toBe('websocket');
    const id = client.id;
    for (let i = 1; i <= 10; i++) {
      server.hub.broadcast(`b${i}`);
      client.send(`u${i}`);
    }
    await waitUntil(() => messages.length === 10 && server!.received.length === 10, 'ten messages each way');

    // The WebSocket route closes (upgrades get 403 from now on) and the open socket is cut, with
    // messages still going both ways: sent in the same tick, while away, and after the switch.
    server.server.removeAllListeners('upgrade');
    server.server.on('upgrade', (_req, socket: Duplex) => socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    for (let i = 11; i <= 20; i++) client.send(`u${i}`);
    server.dropStreams();
    for (let i = 11; i <= 30; i++) server.hub.broadcast(`b${i}`);
    const reconnected = nextEvent(client, 'reconnect');
    await nextEvent(client, 'reconnecting');
    for (let i = 21; i <= 25; i++) client.send(`u${i}`);
    await reconnected;
    expect(client.transport).toBe(fallback);
    // What the WebSocket left unacknowledged and what was queued go out after the hello, unasked.
    await waitUntil(() => server!.received.length >= 25, 'u1..u25 on the server');
    for (let i = 31; i <= 40; i++) server.hub.broadcast(`b${i}`);
    for (let i = 26; i <= 30; i++) client.send(`u${i}`);

    await waitUntil(() => messages.length >= 40 && server!.received.length >= 30, 'everything, both ways', 10_000);
    await sleep(100); // a duplicate would arrive about now
    expect(messages).toEqual(range('b', 1, 40));
    expect(server.received).toEqual(range('u', 1, 30));
    expect(gaps).toEqual([]);
    expect(events).toContain('transport');
    expect(server.clients).toHaveLength(1); // the same server-side client, now on the fallback
    expect(server.clients[0]!.transport).toBe(fallback);
    expect(client.id).toBe(id);
  });
});
