import type { Client } from '@grappler/core';
import { type RecordingSocket, openSocket, waitUntil } from '@grappler/testkit';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import type { Server, ServerOptions } from '../src/index';
import { listening } from './listening';

/** A framed frame as the client reads it (docs/framed-mode.md). */
type Frame = { t?: string; s?: number; d?: string; c?: string; from?: unknown; code?: string; message?: string; ref?: number; id?: string; ts?: number };

const parse = (texts: readonly string[]): Frame[] => texts.map((text) => JSON.parse(text) as Frame);

describe('channels', () => {
  let server: Server | undefined;
  const sockets: RecordingSocket[] = [];
  const closers: (() => void)[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    for (const close of closers.splice(0)) close();
    await server?.close();
    server = undefined;
  });

  async function start(options: ServerOptions = {}): Promise<string> {
    const started = await listening(options);
    server = started.server;
    return started.base;
  }

  /** A framed WebSocket client; resolves with it once its hello arrived, and its server-side Client. */
  async function framed(base: string, headers: Record<string, string> = {}): Promise<{ socket: RecordingSocket; client: Client; send: (item: object) => void }> {
    const connected = new Promise<Client>((resolve) => server!.once('connection', resolve));
    const socket = await openSocket(base.replace('http', 'ws'), { protocols: ['grappler.v1'], headers });
    sockets.push(socket);
    await socket.waitForMessages(1);
    let u = 0;
    return { socket, client: await connected, send: (item) => socket.ws.send(JSON.stringify({ u: ++u, ...item })) };
  }

  const framesOf = (socket: RecordingSocket): Frame[] => parse(socket.messages).slice(1); // past the hello

  it('one publish reaches a WebSocket, an SSE and a long-poll member, and no one else', async () => {
    const base = await start();
    server!.on('connection', (client) => {
      if (client.headers['x-room'] !== 'none') void client.join('room');
    });
    const ws = await openSocket(base.replace('http', 'ws'));
    sockets.push(ws);
    const outsider = await openSocket(base.replace('http', 'ws'), { headers: { 'x-room': 'none' } });
    sockets.push(outsider);
    const sseMessages: string[] = [];
    const source = new EventSource(`${base}/`);
    closers.push(() => source.close());
    source.onmessage = (event) => sseMessages.push(event.data);
    const created = (await (await fetch(`${base}/?transport=longpoll`)).json()) as { session: string; seq: number };
    await waitUntil(() => server!.hub.channel('room').size === 3);
    expect([...server!.hub.channel('room').members].map((client) => client.transport).sort()).toEqual(['longpoll', 'sse', 'websocket']);

    const poll = fetch(`${base}/?transport=longpoll&session=${created.session}&seq=${created.seq}`).then((res) => res.json());
    server!.hub.publish('room', 'to the room');
    expect(await ws.waitForMessages(1)).toEqual(['to the room']);
    expect(((await poll) as { messages: string[] }).messages).toEqual(['to the room']);
    await waitUntil(() => sseMessages.length === 1);
    expect(sseMessages).toEqual(['to the room']);
    server!.broadcast('to everyone');
    await outsider.waitForMessages(1);
    expect(outsider.messages).toEqual(['to everyone']);
  });

  it('lets a framed client join, publish and leave; members get stamped messages, the client its replies', async () => {
    const base = await start();
    const ada = await framed(base);
    const bob = await framed(base);
    ada.send({ t: 'join', c: 'room' });
    bob.send({ t: 'join', c: 'room' });
    await waitUntil(() => server!.hub.channel('room').size === 2);
    expect(ada.client.channels).toEqual(new Set(['room']));
    bob.send({ t: 'publish', c: 'room', d: 'hello room' });
    await waitUntil(() => framesOf(ada.socket).length === 2 && framesOf(bob.socket).length === 3);
    expect(framesOf(ada.socket)[0]).toMatchObject({ t: 'joined', c: 'room', ref: 1 });
    // The publisher is also told its publish went out, by the command's number.
    expect(framesOf(bob.socket)[2]).toMatchObject({ t: 'published', c: 'room', ref: 2 });
    const [, received] = framesOf(ada.socket);
    expect(received).toMatchObject({ c: 'room', d: 'hello room' });
    expect(received!.id).toBe(`${server!.hub.nodeId}.${received!.s}`);
    expect(Math.abs(received!.ts! - Date.now())).toBeLessThan(60_000);
    expect(received!.from).toBeUndefined(); // no sender unless the application sends one along
    expect(framesOf(bob.socket)[1]).toMatchObject({ c: 'room', d: 'hello room', s: received!.s });

    ada.send({ t: 'leave', c: 'room' });
    await waitUntil(() => server!.hub.channel('room').size === 1);
    await waitUntil(() => framesOf(ada.socket).length === 3);
    expect(framesOf(ada.socket)[2]).toMatchObject({ t: 'left', c: 'room', ref: 2 });
    ada.send({ t: 'publish', c: 'room', d: 'not a member' });
    await waitUntil(() => framesOf(ada.socket).length === 4);
    expect(framesOf(ada.socket)[3]).toMatchObject({ t: 'error', code: 'ERR_FORBIDDEN', c: 'room', ref: 3 });
    expect(framesOf(ada.socket)[3]!.message).toMatch(/not a member of room/);
  });

  it('runs the hooks: identify from a cookie, authorizeJoin refusing, beforePublish transforming and refusing, with the sender sent along', async () => {
    const base = await start({
      identify: async (req) => {
        const name = /(?:^|; )user=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        if (name === 'mallory') throw new Error('banned');
        return name ? { name } : undefined;
      },
      authorizeJoin: async (client, channel) => channel !== 'staff' || (client.user as { name?: string } | undefined)?.name === 'ada',
      beforePublish: async (client, _channel, message) => {
        if (String(message.data).includes('spam')) throw new Error('no spam, please');
        message.data = String(message.data).toUpperCase();
        message.sender = (client.user as { name: string }).name;
      },
    });
    const refused = await fetch(`${base}/?transport=longpoll`, { headers: { cookie: 'user=mallory' } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/banned/);

    const ada = await framed(base, { cookie: 'user=ada' });
    const bob = await framed(base, { cookie: 'user=bob' });
    expect(ada.client.user).toEqual({ name: 'ada' });
    ada.send({ t: 'join', c: 'staff' });
    bob.send({ t: 'join', c: 'staff' });
    await waitUntil(() => framesOf(bob.socket).length === 1 && framesOf(ada.socket).length === 1);
    expect(framesOf(bob.socket)[0]).toMatchObject({ t: 'error', code: 'ERR_FORBIDDEN', c: 'staff', ref: 1, message: 'not allowed to join staff' });
    expect(server!.hub.channel('staff').size).toBe(1);
    await expect(bob.client.join('staff')).rejects.toMatchObject({ code: 'ERR_FORBIDDEN' });

    ada.send({ t: 'publish', c: 'staff', d: 'buy spam' });
    ada.send({ t: 'publish', c: 'staff', d: 'meeting at noon' });
    await waitUntil(() => framesOf(ada.socket).length === 4);
    expect(framesOf(ada.socket)[1]).toMatchObject({ t: 'error', code: 'ERR_FORBIDDEN', message: 'no spam, please', ref: 2 });
    expect(framesOf(ada.socket)[2]).toMatchObject({ c: 'staff', d: 'MEETING AT NOON', from: 'ada' });
    expect(framesOf(ada.socket)[3]).toMatchObject({ t: 'published', c: 'staff', ref: 3 });
  });

  it('filters per recipient at delivery time (an ignore list), keeping order while the filter is asynchronous', async () => {
    const ignores = new Map<string, Set<unknown>>([['carol', new Set(['ada'])]]);
    const base = await start({
      publishSender: true,
      identify: (req) => req.headers['x-user'],
      filter: async (recipient, message) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        return !ignores.get(recipient.user as string)?.has(message.sender);
      },
    });
    const ada = await framed(base, { 'x-user': 'ada' });
    const bob = await framed(base, { 'x-user': 'bob' });
    const carol = await framed(base, { 'x-user': 'carol' });
    for (const member of [ada, bob, carol]) await member.client.join('room');
    for (let index = 0; index < 10; index++) {
      await (index % 2 === 0 ? ada : bob).client.publish('room', `m${index}`);
    }
    const texts = (socket: RecordingSocket) => framesOf(socket).filter((frame) => frame.c === 'room' && frame.d !== undefined).map((frame) => `${frame.from}:${frame.d}`);
    await waitUntil(() => texts(bob.socket).length === 10 && texts(carol.socket).length === 5);
    expect(texts(bob.socket)).toEqual(Array.from({ length: 10 }, (_, index) => `${index % 2 === 0 ? 'ada' : 'bob'}:m${index}`));
    expect(texts(carol.socket)).toEqual(['bob:m1', 'bob:m3', 'bob:m5', 'bob:m7', 'bob:m9']);
    // Numbers stay in order for every recipient.
    const numbers = framesOf(carol.socket).map((frame) => frame.s!);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
  });

  it('leaves every channel on close, caps channels per client, and sends with hub.to(id or channel)', async () => {
    const base = await start({ limits: { maxChannelsPerClient: 2 } });
    const events: string[] = [];
    server!.on('join', (client, channel) => events.push(`join ${channel} ${client === ada.client ? 'ada' : 'bob'}`));
    server!.on('leave', (client, channel) => events.push(`leave ${channel} ${client === ada.client ? 'ada' : 'bob'}`));
    const ada = await framed(base);
    const bob = await framed(base);
    await ada.client.join('one');
    await ada.client.join('two');
    await expect(ada.client.join('three')).rejects.toMatchObject({ code: 'ERR_TOO_MANY_CHANNELS', limit: 'maxChannelsPerClient' });
    await bob.client.join('two');
    expect(server!.hub.to(bob.client.id).send('direct to bob')).toBe(true);
    expect(server!.hub.to('two').send('to channel two')).toBe(true);
    expect(server!.hub.to('nobody-here').send('lost')).toBe(false);
    await waitUntil(() => framesOf(bob.socket).filter((frame) => frame.d).length === 2);
    expect(framesOf(bob.socket).filter((frame) => frame.d).map((frame) => frame.d)).toEqual(['direct to bob', 'to channel two']);
    await waitUntil(() => framesOf(ada.socket).some((frame) => frame.d === 'to channel two'));

    const closed = new Promise((resolve) => ada.client.once('close', resolve));
    await ada.socket.close();
    await closed;
    expect(server!.hub.channel('one').size).toBe(0);
    expect(server!.hub.channel('two').size).toBe(1);
    expect(events).toEqual(['join one ada', 'join two ada', 'join two bob', 'leave one ada', 'leave two ada']);
  });

  it('takes channel commands in a framed long-poll POST, and replays channel messages to a member that resumes', async () => {
    const base = await start();
    const first = (await (await fetch(`${base}/?transport=longpoll&mode=framed`)).json()) as { session: string; seq: number; messages: string[] };
    const hello = parse(first.messages)[0]!;
    const post = await fetch(`${base}/?transport=longpoll&session=${first.session}&up=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ t: 'join', c: 'room' }, 'plain message', { t: 'publish', c: 'room', d: 'first post' }]),
    });
    expect(post.status).toBe(204);
    await waitUntil(() => server!.hub.channel('room').size === 1);
    const member = [...server!.hub.channel('room').members][0]!;
    const batch = (await (await fetch(`${base}/?transport=longpoll&session=${first.session}&seq=${first.seq}`)).json()) as { messages: string[] };
    const frames = parse(batch.messages);
    expect(frames.map((frame) => frame.t ?? frame.d)).toEqual(['joined', 'first post', 'published']);

    // The member moves to a WebSocket; what the room got meanwhile is replayed, what others got is not.
    const cursor = frames.at(-1)!.s!;
    server!.hub.publish('room', 'while moving');
    server!.hub.publish('elsewhere', 'not for it');
    const socket = await openSocket(`${base.replace('http', 'ws')}/?resume=${hello.id ? (hello as { token?: string }).token : ''}&seq=${cursor}`, {
      protocols: ['grappler.v1'],
    });
    sockets.push(socket);
    const replay = parse(await socket.waitForMessages(2));
    expect(replay[0]).toMatchObject({ t: 'hello', resumed: true, id: member.id });
    expect(replay[1]).toMatchObject({ c: 'room', d: 'while moving' });
    expect(member.channels).toEqual(new Set(['room']));
  });
});
