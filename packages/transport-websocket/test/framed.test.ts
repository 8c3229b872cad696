import { type Client, type Hub, STATE } from '@grappler/core';
import { type RecordingSocket, openSocket, waitUntil } from '@grappler/testkit';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { nextConnection, startHub } from './start-hub';

/** What a framed client reads: `{"t":"hello",...}`, `{"s":n,"d":...}`, ... */
type Frame = { t?: string; s?: number; d?: string; b?: string; token?: string; resumed?: boolean; up?: number; from?: number; id?: string; ts?: number };

const frames = (socket: RecordingSocket): Frame[] => socket.messages.map((text) => JSON.parse(text) as Frame);

/** Opens a framed socket (subprotocol grappler.v1), resuming when `resume` is given, and waits for its hello. */
async function openFramed(url: string, resume?: { token: string; seq: number }): Promise<{ socket: RecordingSocket; hello: Frame }> {
  const target = resume ? `${url}?resume=${resume.token}&seq=${resume.seq}` : url;
  const socket = await openSocket(target, { protocols: ['grappler.v1'] });
  const [hello] = await socket.waitForMessages(1);
  return { socket, hello: JSON.parse(hello!) as Frame };
}

/** Cuts a socket with no close frame (a lost network) and waits until the hub has detached the client. */
async function cut(socket: RecordingSocket, client: Client): Promise<void> {
  const detached = once(client, 'detach');
  socket.ws.terminate();
  await detached;
}

describe('framed mode over WebSocket (docs/framed-mode.md)', () => {
  let hub: Hub | undefined;
  const sockets: RecordingSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await hub?.close();
    hub = undefined;
  });

  /** A framed client of `hub`, its hello, and the server-side Client it became. */
  async function connect(url: string, resume?: { token: string; seq: number }): Promise<{ socket: RecordingSocket; hello: Frame; client: Client }> {
    const connected = resume ? undefined : nextConnection(hub!);
    const { socket, hello } = await openFramed(url, resume);
    sockets.push(socket);
    return { socket, hello, client: (await connected) ?? hub!.get(hello.id!)! };
  }

  it('greets with hello, then numbers every message while a plain socket gets raw ones', async () => {
    const started = await startHub();
    hub = started.hub;
    hub.broadcast('before anyone');
    const { socket, hello, client } = await connect(started.url);
    expect(hello).toMatchObject({ t: 'hello', s: 1, id: client.id, resumed: false, up: 0 });
    expect(hello.token).toMatch(new RegExp(`^${client.id}\\.[\\w-]{24}$`)); // <client id>.<secret>: any node finds its record
    expect(hello.token).not.toBe(client.id);
    const plain = await openSocket(started.url);
    sockets.push(plain);
    expect(plain.ws.protocol).toBe('');
    hub.broadcast('text');
    hub.broadcast(Buffer.from([0, 1, 255]));
    client.write('direct');
    await socket.waitForMessages(4);
    expect(frames(socket).slice(1)).toEqual([
      expect.objectContaining({ s: 2, d: 'text', id: `${hub.nodeId}.2` }),
      expect.objectContaining({ s: 3, b: 'AAH/' }),
      expect.objectContaining({ s: 4, d: 'direct' }),
    ]);
    expect(frames(socket)[1]!.ts).toBeGreaterThan(Date.now() - 60_000);
    expect(await plain.waitForMessages(2)).toEqual(['text', 'binary:0001ff']);
  });

  it('keeps a client whose connection is cut, and replays on resume what was addressed to it, once and in order', async () => {
    const started = await startHub();
    hub = started.hub;
    const first = await connect(started.url);
    const client = first.client;
    const other = (await connect(started.url)).client;
    hub.broadcast('one');
    await first.socket.waitForMessages(2);
    await cut(first.socket, client);
    expect(client.state & STATE.TEMP).toBe(STATE.TEMP);
    expect(client.detached).toBe(true);
    expect(hub.get(client.id)).toBe(client);

    hub.broadcast('two');
    client.write('three (to it)');
    other.write('to the other one');
    other.broadcast('four (from the other one)');
    client.broadcast('not to itself');
    hub.send(client.id, 'five');
    const cursor = frames(first.socket).at(-1)!.s!;
    const resumed = new Promise<void>((resolve) => client.once('resume', resolve));
    const second = await connect(started.url, { token: first.hello.token!, seq: cursor });
    await resumed;
    expect(second.hello).toMatchObject({ t: 'hello', s: cursor, id: client.id, token: first.hello.token, resumed: true });
    await second.socket.waitForMessages(5);
    expect(frames(second.socket).slice(1).map((frame) => frame.d)).toEqual(['two', 'three (to it)', 'four (from the other one)', 'five']);
    expect(client.detached).toBe(false);
    expect(client.state & STATE.TEMP).toBe(0);
    hub.broadcast('live again');
    await second.socket.waitForMessages(6);
    expect(frames(second.socket).at(-1)!.d).toBe('live again');
    // Nothing else arrived: no duplicate of the replay.
    expect(second.socket.messages).toHaveLength(6);
  });

  it('sends a gap when the log no longer holds what the client missed', async () => {
    const started = await startHub({ limits: { backlogBytes: 200 } });
    hub = started.hub;
    const first = await connect(started.url);
    const client = first.client;
    await cut(first.socket, client);
    for (let index = 1; index <= 20; index++) hub.broadcast(`missed ${index}`);
    const second = await connect(started.url, { token: first.hello.token!, seq: first.hello.s! });
    await waitUntil(() => second.socket.messages.length >= 2);
    const [gap, ...replayed] = frames(second.socket).slice(1);
    expect(gap).toMatchObject({ t: 'gap', from: 1 });
    expect(gap!.s).toBeGreaterThan(1);
    await second.socket.waitForMessages(2 + 20 - gap!.s!);
    // What is replayed starts right after the gap and runs to the newest, in order.
    expect(frames(second.socket).slice(2).map((frame) => frame.s)).toEqual(
      Array.from({ length: 20 - gap!.s! }, (_, index) => gap!.s! + 1 + index),
    );
    expect(replayed.length).toBeGreaterThan(0);
  });

  it('treats an unknown token as a new client', async () => {
    const started = await startHub();
    hub = started.hub;
    const { hello } = await connect(started.url, { token: 'no-such-token', seq: 5 });
    expect(hello).toMatchObject({ t: 'hello', resumed: false, s: 0 });
  });

  it('ends a detached client after sessionIdleMs, and a clean close for good at once', async () => {
    const started = await startHub({ pingInterval: 50, limits: { sessionIdleMs: 200 } });
    hub = started.hub;
    const first = await connect(started.url);
    const client = first.client;
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.code));
    await cut(first.socket, client);
    // Not events.once: it would reject on the 'error' that precedes the close.
    const reason = await new Promise<{ code: number }>((resolve) => client.once('close', resolve));
    expect(reason.code).toBe(1001);
    expect(errors).toEqual(['ERR_SESSION_EXPIRED']);
    expect(hub.get(client.id)).toBeUndefined();
    const late = await connect(started.url, { token: first.hello.token!, seq: 0 });
    expect(late.hello.resumed).toBe(false);

    const polite = await connect(started.url);
    const politeClient = polite.client;
    const closed = once(politeClient, 'close');
    await polite.socket.close();
    await closed;
    expect(politeClient.detached).toBe(false);
    expect(hub.get(politeClient.id)).toBeUndefined();
  });

  it('delivers numbered upstream once across a resume, says how far it got, and acknowledges', async () => {
    const started = await startHub();
    hub = started.hub;
    const first = await connect(started.url);
    const client = first.client;
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    for (let u = 1; u <= 40; u++) first.socket.ws.send(JSON.stringify({ u, d: `m${u}` }));
    await waitUntil(() => received.length === 40);
    // Acknowledged at least every 32 messages, without waiting for the ticker.
    await waitUntil(() => frames(first.socket).some((frame) => frame.t === 'ack'));
    expect(frames(first.socket).find((frame) => frame.t === 'ack')).toEqual({ t: 'ack', up: 32 });

    await cut(first.socket, client);
    const second = await connect(started.url, { token: first.hello.token!, seq: first.hello.s! });
    expect(second.hello.up).toBe(40);
    // A client unsure what arrived resends from 38: only 41 is new.
    for (let u = 38; u <= 41; u++) second.socket.ws.send(JSON.stringify({ u, d: `m${u}` }));
    await waitUntil(() => received.length === 41);
    expect(received).toEqual(Array.from({ length: 41 }, (_, index) => `m${index + 1}`));
  });

  it('refuses upstream that is not an envelope or skips ahead, and keeps serving', async () => {
    const started = await startHub();
    hub = started.hub;
    const { socket, client } = await connect(started.url);
    const received: string[] = [];
    const errors: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    client.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    socket.ws.send('plain text');
    socket.ws.send(JSON.stringify({ u: 3, d: 'skips ahead' }));
    socket.ws.send(JSON.stringify({ u: 1, d: 'fine' }));
    await waitUntil(() => received.length === 1);
    expect(received).toEqual(['fine']);
    expect(errors).toEqual([
      'ERR_PROTOCOL: framed upstream: not a framed message {"u":n,...} (docs/framed-mode.md)',
      'ERR_PROTOCOL: framed upstream: message 3 skips ahead of 1',
    ]);
    // The skip-ahead is answered with how far the client got (the answer may still be on its way).
    await waitUntil(() => frames(socket).some((frame) => frame.t === 'ack'));
    expect(frames(socket).filter((frame) => frame.t === 'ack')[0]).toEqual({ t: 'ack', up: 0 });
    hub.broadcast('still served');
    await waitUntil(() => frames(socket).some((frame) => frame.d === 'still served'));
  });

  it('cuts the old connection when a client resumes while the server still thinks it open', async () => {
    const started = await startHub();
    hub = started.hub;
    const first = await connect(started.url);
    const client = first.client;
    const oldClosed = once(first.socket.ws, 'close');
    const second = await connect(started.url, { token: first.hello.token!, seq: first.hello.s! });
    await oldClosed;
    expect(second.hello.resumed).toBe(true);
    expect(hub.size).toBe(1);
    expect(client.closed).toBe(false);
    hub.broadcast('to the new one');
    await second.socket.waitForMessages(2);
    expect(first.socket.messages).toHaveLength(1);
  });
});
