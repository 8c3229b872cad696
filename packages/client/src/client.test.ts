/**
 * The client's framed-mode bookkeeping (cursor, token, unacknowledged messages, gaps) across links,
 * with a scripted WebSocket peer (test/fake-websocket.ts); test/*.test.ts run real servers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeWebSocket, FakeWebSocketConstructor, helloFrame, socket } from '../test/fake-websocket';
import { type ClientEvents, type GrapplerClient, connect } from './client';

let client: GrapplerClient | undefined;
afterEach(() => {
  client?.close();
  client = undefined;
  FakeWebSocket.reset();
});

/** A client on the fake WebSocket alone, recording its events by name (messages and gaps with their argument). */
function start(options: { maxQueuedMessages?: number } = {}): { client: GrapplerClient; events: unknown[] } {
  client = connect('http://127.0.0.1:1/live', { transports: ['websocket'], WebSocket: FakeWebSocketConstructor, reconnectDelayMs: 0, ...options });
  const events: unknown[] = [];
  for (const name of ['open', 'reconnect', 'reconnecting', 'close'] as const) client.on(name, () => events.push(name));
  client.on('message', (data) => events.push(['message', data]));
  client.on('gap', (gap) => events.push(['gap', gap]));
  client.on('error', (error) => events.push(['error', error.code]));
  return { client, events };
}

/** Waits for socket `n` to be made. */
const made = (n: number) => vi.waitUntil(() => FakeWebSocket.made.length > n, { timeout: 2000, interval: 1 }).then(() => socket(n));

const names = (events: unknown[]): unknown[] => events.map((event) => (Array.isArray(event) ? event[0] : event));

describe('the client in framed mode', () => {
  it('opens on the hello, not on the socket open, and takes its id', async () => {
    const { client, events } = start();
    const ws = await made(0);
    ws.open();
    expect(client.state).toBe('connecting');
    ws.receive(helloFrame({ s: 4, resumed: false, id: 'abc' }));
    expect(client.state).toBe('open');
    expect(client.id).toBe('abc');
    expect(events).toEqual(['open']);
  });

  it('sends what was queued after the hello, numbered from 1, and keeps it until acknowledged', async () => {
    const { client } = start();
    client.send('a');
    client.send('b');
    const first = await made(0);
    first.open();
    first.receive(helloFrame({ s: 0, resumed: false }));
    client.send('c');
    expect(first.sent).toEqual([
      { u: 1, d: 'a' },
      { u: 2, d: 'b' },
      { u: 3, d: 'c' },
    ]);
    first.receive({ t: 'ack', up: 1 });
    first.receive({ s: 1, d: 'one' });
    first.drop();
    const second = await made(1);
    expect(second.url.search).toBe('?resume=token-1&seq=1');
    second.open();
    second.receive(helloFrame({ s: 1, resumed: true, up: 2 })); // b arrived; its ack did not
    expect(second.sent).toEqual([{ u: 3, d: 'c' }]);
  });

  it('delivers each message once across a drop, whatever the server resends', async () => {
    const { events } = start();
    const first = await made(0);
    first.open();
    first.receive(helloFrame({ s: 0, resumed: false }));
    first.receive({ s: 1, d: 'one' });
    first.receive({ s: 3, b: 'AAE=' });
    first.drop();
    const second = await made(1);
    second.open();
    second.receive(helloFrame({ s: 3, resumed: true }));
    second.receive({ s: 3, b: 'AAE=' });
    second.receive({ s: 4, d: 'four' });
    second.receive({ s: 1, d: 'one' });
    expect(events.filter((event) => Array.isArray(event))).toEqual([
      ['message', 'one'],
      ['message', Uint8Array.of(0, 1)],
      ['message', 'four'],
    ]);
  });

  it('reports a gap frame, and moves on', async () => {
    const { events } = start();
    const ws = await made(0);
    ws.open();
    ws.receive(helloFrame({ s: 2, resumed: true }));
    ws.receive({ t: 'gap', s: 9, from: 5 });
    ws.receive({ s: 8, d: 'old' });
    ws.receive({ s: 10, d: 'new' });
    expect(events).toEqual(['open', ['gap', { from: 5, to: 9 }], ['message', 'new']]);
  });

  it('reports a gap and numbers the unacknowledged messages from 1 when the server has forgotten the client', async () => {
    const { client, events } = start();
    const first = await made(0);
    first.open();
    first.receive(helloFrame({ s: 0, resumed: false }));
    for (const data of ['a', 'b', 'c']) client.send(data);
    first.receive({ t: 'ack', up: 1 });
    first.receive({ s: 5, d: 'five' });
    first.drop();
    const second = await made(1);
    second.open();
    second.receive(helloFrame({ s: 40, resumed: false, token: 'token-2', id: 'client-2' }));
    expect(second.sent).toEqual([
      { u: 1, d: 'b' },
      { u: 2, d: 'c' },
    ]);
    expect(client.id).toBe('client-2');
    const gap: ClientEvents['gap'][0] = { from: 6, to: 40 };
    expect(events.slice(-3)).toEqual(['reconnecting', 'reconnect', ['gap', gap]]);
    second.drop();
    const third = await made(2);
    expect(third.url.search).toBe('?resume=token-2&seq=40');
  });

  it('fails a link whose first frame is not a hello, and one that sends a malformed frame, with ERR_PROTOCOL', async () => {
    const { client, events } = start();
    const first = await made(0);
    first.open();
    first.receive({ s: 1, d: 'too early' });
    expect(first.closedWith).toBe(1000);
    const second = await made(1);
    second.open();
    second.receive(helloFrame({ s: 1, resumed: false }));
    second.receive('{"s":2}');
    expect(client.state).toBe('reconnecting');
    await made(2);
    expect(names(events)).toEqual(['error', 'reconnecting', 'open', 'error', 'reconnecting']);
    expect(events.filter((event) => names([event])[0] === 'error')).toEqual([
      ['error', 'ERR_PROTOCOL'],
      ['error', 'ERR_PROTOCOL'],
    ]);
    expect(socket(2).url.search).toBe('?resume=token-1&seq=1');
  });

  it('counts unacknowledged messages against maxQueuedMessages while not open', async () => {
    const { client } = start({ maxQueuedMessages: 2 });
    const ws = await made(0);
    ws.open();
    ws.receive(helloFrame({ s: 0, resumed: false }));
    for (const data of ['a', 'b', 'c']) client.send(data); // open: no limit
    ws.receive({ t: 'ack', up: 2 });
    ws.drop();
    client.send('d');
    expect(() => client.send('e')).toThrow(/maxQueuedMessages/);
  });
});
