import type { Client } from '@grappler/core';
import { type RecordingSocket, openSocket, waitUntil } from '@grappler/testkit';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Server, ServerOptions } from '../src/index';
import { listening } from './listening';

/** A framed frame as the client reads it (docs/framed-mode.md). */
type Frame = { t?: string; s?: number; d?: string; token?: string; resumed?: boolean; up?: number; from?: number; id?: string };
type Batch = { session: string; seq: number; messages: string[] };

const parse = (texts: readonly string[]): Frame[] => texts.map((text) => JSON.parse(text) as Frame);

/** Reads an SSE response as it streams: the `data` of each event. */
function sseEvents(response: Response): { events: string[]; done: Promise<void> } {
  const events: string[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const done = (async () => {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart());
        if (data.length > 0) events.push(data.join('\n'));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  })().catch(() => {});
  return { events, done };
}

describe('framed mode across transports', () => {
  let server: Server | undefined;
  const sockets: RecordingSocket[] = [];
  const aborts: AbortController[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    for (const controller of aborts.splice(0)) controller.abort();
    await server?.close();
    server = undefined;
  });

  async function start(options: ServerOptions = {}): Promise<string> {
    const started = await listening(options);
    server = started.server;
    return started.base;
  }

  const poll = async (url: string): Promise<Batch> => (await (await fetch(url)).json()) as Batch;

  it('greets an SSE and a long-poll session with hello, and numbers messages with the hub numbers', async () => {
    const base = await start();
    server!.broadcast('before');
    const controller = new AbortController();
    aborts.push(controller);
    const sse = sseEvents(await fetch(`${base}/?transport=sse&mode=framed`, { signal: controller.signal }));
    // A new long-poll session is answered at once with its id and its hello.
    const first = await poll(`${base}/?transport=longpoll&mode=framed`);
    expect(parse(first.messages)).toEqual([expect.objectContaining({ t: 'hello', s: 1, resumed: false, up: 0 })]);
    const created = first;
    expect(first.seq).toBe(1);
    await waitUntil(() => sse.events.length === 1);
    expect(parse(sse.events)[0]).toMatchObject({ t: 'hello', s: 1 });
    server!.broadcast('to both');
    const next = await poll(`${base}/?transport=longpoll&session=${created.session}&seq=${first.seq}`);
    expect(parse(next.messages)).toEqual([expect.objectContaining({ s: 2, d: 'to both' })]);
    expect(next.seq).toBe(2);
    await waitUntil(() => sse.events.length === 2);
    expect(parse(sse.events)[1]).toMatchObject({ s: 2, d: 'to both' });
  });

  it('resumes a framed WebSocket client over long polling: same client, the replay, upstream numbers carried over', async () => {
    const base = await start();
    const connected = new Promise<Client>((resolve) => server!.once('connection', resolve));
    const socket = await openSocket(base.replace('http', 'ws'), { protocols: ['grappler.v1'] });
    sockets.push(socket);
    const client = await connected;
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    const [hello] = parse(await socket.waitForMessages(1));
    for (let u = 1; u <= 3; u++) socket.ws.send(JSON.stringify({ u, d: `up ${u}` }));
    server!.broadcast('seen on the WebSocket');
    await socket.waitForMessages(2);
    await waitUntil(() => received.length === 3);
    const cursor = parse(socket.messages).at(-1)!.s!;
    const detached = once(client, 'detach');
    socket.ws.terminate();
    await detached;

    server!.broadcast('missed 1');
    client.write('missed 2 (direct)');
    const resumed = await poll(`${base}/?transport=longpoll&mode=framed&resume=${hello!.token}&seq=${cursor}`);
    const frames = parse(resumed.messages);
    expect(frames[0]).toMatchObject({ t: 'hello', resumed: true, id: client.id, s: cursor, up: 3 });
    expect(frames.slice(1).map((frame) => frame.d)).toEqual(['missed 1', 'missed 2 (direct)']);
    expect(client.transport).toBe('longpoll');
    expect(server!.hub.size).toBe(1);

    // The client resends 3 (unsure it arrived) with 4: the server delivers 4 alone.
    const post = await fetch(`${base}/?transport=longpoll&session=${resumed.session}&up=3`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(['up 3', 'up 4']),
    });
    expect(post.status).toBe(204);
    expect(post.headers.get('X-Grappler-Up')).toBe('4');
    expect(received).toEqual(['up 1', 'up 2', 'up 3', 'up 4']);
  });

  it('moves a framed SSE client to a WebSocket: the old stream ends, nothing is lost', async () => {
    const base = await start();
    const controller = new AbortController();
    aborts.push(controller);
    const connected = new Promise<Client>((resolve) => server!.once('connection', resolve));
    const sse = sseEvents(await fetch(`${base}/?transport=sse&mode=framed`, { signal: controller.signal }));
    const client = await connected;
    await waitUntil(() => sse.events.length === 1);
    const hello = parse(sse.events)[0]!;
    server!.broadcast('one');
    await waitUntil(() => sse.events.length === 2);
    const cursor = parse(sse.events)[1]!.s!;
    server!.broadcast('two');
    const socket = await openSocket(`${base.replace('http', 'ws')}/?resume=${hello.token}&seq=${cursor}`, { protocols: ['grappler.v1'] });
    sockets.push(socket);
    await sse.done; // the server ended the superseded stream
    const frames = parse(await socket.waitForMessages(2));
    expect(frames[0]).toMatchObject({ t: 'hello', resumed: true, id: client.id });
    expect(frames[1]).toMatchObject({ d: 'two' });
    expect(client.transport).toBe('websocket');
    expect(client.closed).toBe(false);
  });

  it('tells a long-poll client of a gap when its lost answer went out of the resume window', async () => {
    const base = await start({ longpoll: { resumeWindowBytes: 300 } });
    const hello = await poll(`${base}/?transport=longpoll&mode=framed`);
    const created = hello;
    const pending = fetch(`${base}/?transport=longpoll&session=${created.session}&seq=${hello.seq}`).then((r) => r.json() as Promise<Batch>);
    for (let index = 1; index <= 10; index++) server!.broadcast(`message number ${index}`);
    const lost = await pending; // the answer the client "never saw"
    expect(lost.messages.length).toBeGreaterThan(0);
    const again = await poll(`${base}/?transport=longpoll&session=${created.session}&seq=${hello.seq}`);
    const frames = parse(again.messages);
    expect(frames[0]).toMatchObject({ t: 'gap', from: hello.seq + 1 });
    const gapTo = frames[0]!.s!;
    expect(frames.slice(1).map((frame) => frame.s)).toEqual(
      parse(lost.messages)
        .map((frame) => frame.s)
        .filter((s) => s! > gapTo),
    );
    expect(frames.length).toBeGreaterThan(1);
  });

  it('numbers a POST without `up` to a framed session after what the client delivered', async () => {
    const base = await start();
    const connected = new Promise<Client>((resolve) => server!.once('connection', resolve));
    const created = await poll(`${base}/?transport=longpoll&mode=framed`);
    const client = await connected;
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    const send = (query: string, body: string[]) =>
      fetch(`${base}/?transport=longpoll&session=${created.session}${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await send('&up=1', ['a', 'b'])).headers.get('X-Grappler-Up')).toBe('2');
    expect((await send('', ['c'])).headers.get('X-Grappler-Up')).toBe('3');
    expect((await send('&up=3', ['c', 'd'])).headers.get('X-Grappler-Up')).toBe('4');
    expect(received).toEqual(['a', 'b', 'c', 'd']);
  });
});
