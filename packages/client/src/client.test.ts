/**
 * The client's framed-mode bookkeeping (cursor, token, unacknowledged messages, gaps) across links,
 * with a scripted WebSocket peer (test/fake-websocket.ts); test/*.test.ts run real servers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeWebSocket, FakeWebSocketConstructor, helloFrame, socket } from '../test/fake-websocket';
import { connect } from './client';
import type { ClientEvents, GrapplerClient } from './client-api';
import { ClientError } from './errors';
import type { ChannelMeta } from './framed';

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

/** A client open on socket 0 (a new server-side client, numbered from `s`), recording its events. */
async function opened(s = 0): Promise<{ client: GrapplerClient; events: unknown[]; ws: FakeWebSocket }> {
  const started = start();
  const ws = await made(0);
  ws.open();
  ws.receive(helloFrame({ s, resumed: false }));
  return { ...started, ws };
}

/** How a promise settled so far: 'pending', 'done', or the rejection's code. */
function outcome(promise: Promise<void>): { readonly value: string; readonly error: ClientError | undefined } {
  const record: { value: string; error: ClientError | undefined } = { value: 'pending', error: undefined };
  promise.then(
    () => {
      record.value = 'done';
    },
    (error: ClientError) => {
      record.value = error.code;
      record.error = error;
    },
  );
  return record;
}

/** Lets settled promises run their callbacks. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('channels in the client', () => {
  it('sends join, publish and leave numbered with the messages, and resolves each on its reply', async () => {
    const { client, ws } = await opened();
    client.send('plain');
    const joining = outcome(client.join('room'));
    const publishing = outcome(client.publish('room', 'hi'));
    const leaving = outcome(client.leave('room'));
    expect(ws.sent).toEqual([
      { u: 1, d: 'plain' },
      { u: 2, t: 'join', c: 'room' },
      { u: 3, t: 'publish', c: 'room', d: 'hi' },
      { u: 4, t: 'leave', c: 'room' },
    ]);
    ws.receive({ t: 'ack', up: 4 }); // delivered, not yet carried out: every command waits for its reply
    await settled();
    expect([joining.value, publishing.value, leaving.value]).toEqual(['pending', 'pending', 'pending']);
    ws.receive({ s: 1, t: 'joined', c: 'room', ref: 2 });
    await settled();
    expect(joining.value).toBe('done');
    expect(client.channels).toEqual(new Set(['room']));
    ws.receive({ s: 2, t: 'published', c: 'room', ref: 3 });
    await settled();
    expect(publishing.value).toBe('done');
    ws.receive({ s: 3, t: 'left', c: 'room', ref: 4 });
    await settled();
    expect(leaving.value).toBe('done');
    expect(client.channels).toEqual(new Set());
  });

  it('rejects a refused join with the server code and reason, and emits the same error, naming the channel', async () => {
    const { client, events, ws } = await opened();
    const errors: ClientError[] = [];
    client.on('error', (error) => errors.push(error));
    const joining = outcome(client.join('staff'));
    ws.receive({ s: 1, t: 'error', code: 'ERR_FORBIDDEN', message: 'not allowed to join staff', c: 'staff', ref: 1 });
    await settled();
    expect(joining.value).toBe('ERR_FORBIDDEN');
    expect(joining.error).toBeInstanceOf(ClientError);
    expect(joining.error).toMatchObject({ message: 'not allowed to join staff', channel: 'staff' });
    expect(errors).toEqual([joining.error]);
    expect(events).toEqual(['open', ['error', 'ERR_FORBIDDEN']]);
    expect(client.channels).toEqual(new Set());
  });

  it('rejects a refused publish, before or after its acknowledgement, and emits the refusal', async () => {
    const { client, ws } = await opened();
    const errors: ClientError[] = [];
    client.on('error', (error) => errors.push(error));
    const spam = outcome(client.publish('room', 'spam'));
    ws.receive({ s: 1, t: 'error', code: 'ERR_FORBIDDEN', message: 'no spam, please', c: 'room', ref: 1 });
    const late = outcome(client.publish('room', 'slow'));
    ws.receive({ t: 'ack', up: 2 }); // an HTTP POST is answered before the hooks run, so this can come first
    await settled();
    expect(late.value).toBe('pending');
    ws.receive({ s: 2, t: 'error', code: 'ERR_FORBIDDEN', message: 'refused by beforePublish', c: 'room', ref: 2 });
    await settled();
    expect(spam.value).toBe('ERR_FORBIDDEN');
    expect(spam.error?.message).toBe('no spam, please');
    expect(late.value).toBe('ERR_FORBIDDEN');
    expect(errors.map((error) => [error.code, error.message, error.channel])).toEqual([
      ['ERR_FORBIDDEN', 'no spam, please', 'room'],
      ['ERR_FORBIDDEN', 'refused by beforePublish', 'room'],
    ]);
  });

  it('leaves a publish waiting when a later command is answered first (its reply was lost to a gap)', async () => {
    const { client, ws } = await opened();
    const publishing = outcome(client.publish('room', 'hi'));
    void client.join('other');
    ws.receive({ s: 1, t: 'joined', c: 'other', ref: 2 });
    await settled();
    expect(publishing.value).toBe('pending');
    expect(client.channels).toEqual(new Set(['other']));
    ws.receive({ s: 2, t: 'published', c: 'room', ref: 1 }); // a late reply still settles it
    await settled();
    expect(publishing.value).toBe('done');
  });

  it('learns of channels the server joined it to or took it out of', async () => {
    const { client, ws } = await opened();
    ws.receive({ s: 1, t: 'joined', c: 'news' });
    ws.receive({ s: 2, t: 'joined', c: 'room' });
    ws.receive({ s: 3, t: 'left', c: 'news' });
    expect(client.channels).toEqual(new Set(['room']));
  });

  it("gives a channel's messages to its listeners and the channel event, never to message; plain messages keep their stamp", async () => {
    const { client, events, ws } = await opened();
    const seen: unknown[] = [];
    const room = (data: string | Uint8Array, meta: ChannelMeta) => seen.push(['room', data, meta]);
    client.on('room', room);
    client.on('channel', (name, data, meta) => seen.push(['channel', name, data, meta.id]));
    client.on('message', (data, meta) => seen.push(['message', data, meta]));
    ws.receive({ s: 1, id: 'n.1', ts: 1000, c: 'room', from: { name: 'ada' }, d: 'hi' });
    ws.receive({ s: 2, id: 'n.2', ts: 1001, d: 'plain' });
    ws.receive({ s: 3, id: 'n.3', ts: 1002, c: 'message', b: 'AAE=' }); // a channel called "message"
    client.off('room', room);
    ws.receive({ s: 4, id: 'n.4', ts: 1003, c: 'room', d: 'after off' });
    expect(seen).toEqual([
      ['room', 'hi', { channel: 'room', id: 'n.1', time: 1000, from: { name: 'ada' } }],
      ['channel', 'room', 'hi', 'n.1'],
      ['message', 'plain', { id: 'n.2', time: 1001, from: undefined }],
      ['channel', 'message', Uint8Array.of(0, 1), 'n.3'],
      ['channel', 'room', 'after off', 'n.4'],
    ]);
    expect(events.filter((event) => Array.isArray(event) && event[0] === 'message')).toEqual([['message', 'plain']]);
  });

  it('joins its channels again, first, when the server has forgotten it; a join left unanswered is sent again and answered', async () => {
    const { client, ws: first } = await opened();
    void client.join('room');
    first.receive({ s: 1, t: 'joined', c: 'room', ref: 1 });
    const other = outcome(client.join('other'));
    first.receive({ t: 'ack', up: 2 }); // delivered, never answered: the server forgets the client
    const publishing = outcome(client.publish('room', 'after'));
    first.drop();
    const second = await made(1);
    second.open();
    second.receive(helloFrame({ s: 0, resumed: false, token: 'token-2' }));
    expect(second.sent).toEqual([
      { u: 1, t: 'join', c: 'room' },
      { u: 2, t: 'join', c: 'other' },
      { u: 3, t: 'publish', c: 'room', d: 'after' },
    ]);
    second.receive({ s: 1, t: 'joined', c: 'room', ref: 1 });
    second.receive({ s: 2, t: 'joined', c: 'other', ref: 2 });
    second.receive({ s: 3, t: 'published', c: 'room', ref: 3 });
    await settled();
    expect([other.value, publishing.value]).toEqual(['done', 'done']);
    expect(client.channels).toEqual(new Set(['room', 'other']));
  });

  it('drops a channel whose join again is refused, with an error event', async () => {
    const { client, ws: first } = await opened();
    void client.join('room');
    first.receive({ s: 1, t: 'joined', c: 'room', ref: 1 });
    first.drop();
    const second = await made(1);
    second.open();
    const refusal = nextError(client);
    second.receive(helloFrame({ s: 0, resumed: false, token: 'token-2' }));
    second.receive({ s: 1, t: 'error', code: 'ERR_FORBIDDEN', message: 'not allowed to join room', c: 'room', ref: 1 });
    expect(await refusal).toMatchObject({ code: 'ERR_FORBIDDEN', channel: 'room' });
    expect(client.channels).toEqual(new Set());
  });

  it('keeps its channels and unanswered commands when the server resumes it: the reply comes in the replay', async () => {
    const { client, ws: first } = await opened();
    const joining = outcome(client.join('room'));
    first.drop();
    const second = await made(1);
    second.open();
    second.receive(helloFrame({ s: 0, resumed: true, up: 1 }));
    expect(second.sent).toEqual([]); // delivered before the drop: not sent again
    second.receive({ s: 1, t: 'joined', c: 'room', ref: 1 });
    await settled();
    expect(joining.value).toBe('done');
    expect(client.channels).toEqual(new Set(['room']));
  });

  it('rejects what is unanswered with ERR_CLOSED on close(), and throws after it', async () => {
    const { client, ws } = await opened();
    const joining = outcome(client.join('room'));
    const publishing = outcome(client.publish('room', 'x'));
    ws.receive({ t: 'ack', up: 1 });
    client.close();
    await settled();
    expect([joining.value, publishing.value]).toEqual(['ERR_CLOSED', 'ERR_CLOSED']);
    expect(client.channels).toEqual(new Set());
    expect(() => client.join('room')).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(() => client.publish('room', 'x')).toThrow(/publish\(\) after close/);
  });

  it('throws a TypeError for a channel name that is empty, longer than 256 characters or not a string', async () => {
    const { client, ws } = await opened();
    expect(() => client.join('')).toThrow(TypeError);
    expect(() => client.leave('x'.repeat(257))).toThrow(/1 to 256 characters/);
    expect(() => client.publish(5 as unknown as string, 'x')).toThrow(TypeError);
    void client.join('x'.repeat(256)); // valid: sent
    expect(ws.sent).toEqual([{ u: 1, t: 'join', c: 'x'.repeat(256) }]);
  });

  it('types channel listeners apart from event listeners', async () => {
    const { client } = await opened();
    client.on('room', (data, meta) => [data, meta.channel, meta.from]);
    client.on('message', (data, meta) => [data, meta.id, meta.time]);
    client.on('channel', (name, data, meta) => [name, data, meta.channel]);
    // @ts-expect-error: `open` is an event without arguments, not a channel
    client.on('open', (data: string, meta: ChannelMeta) => [data, meta]);
    // @ts-expect-error: a channel listener gets data and a ChannelMeta
    client.on('room', (data: string, meta: { channel: number }) => [data, meta]);
    expect(client.state).toBe('open');
  });
});

/** Resolves with the next error the client emits. */
const nextError = (client: GrapplerClient): Promise<ClientError> => new Promise((resolve) => client.on('error', resolve));
