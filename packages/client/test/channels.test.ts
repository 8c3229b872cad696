/**
 * Channels from the client against real servers (core + each transport): join, publish and leave,
 * refusals by the application's hooks, members on different transports, and the channels joined
 * again when the server has forgotten the client.
 */
import type { HubOptions } from '@grappler/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelMeta, ClientError, GrapplerClient, TransportName } from '../src/index';
import { SERVER_TRANSPORTS, type TestServer, nextEvent, sleep, startClient, startServer, waitUntil } from './helpers';

const servers: TestServer[] = [];
const clients: GrapplerClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.hub.close();
});

const ALL: TransportName[] = ['websocket', 'sse', 'xhr-multipart', 'longpoll'];

async function serve(name: TransportName, options: HubOptions = {}, port = 0): Promise<TestServer> {
  const server = await startServer([SERVER_TRANSPORTS[name]()], options, port);
  servers.push(server);
  return server;
}

/** An open client on `name` alone, recording what reaches its `room` listener, its `message` event and its errors. */
async function member(server: TestServer, name: TransportName) {
  const { client } = startClient(server.url, { transports: [name] });
  clients.push(client);
  const room: [string | Uint8Array, ChannelMeta][] = [];
  const plain: unknown[] = [];
  const errors: ClientError[] = [];
  client.on('room', (data, meta) => room.push([data, meta]));
  client.on('message', (data) => plain.push(data));
  client.on('error', (error) => errors.push(error));
  await nextEvent(client, 'open');
  return { client, room, plain, errors, texts: () => room.map(([data]) => data) };
}

/** Settles to 'done' or to the rejection. */
const settle = (promise: Promise<void>): Promise<'done' | ClientError> => promise.then(() => 'done' as const, (error: ClientError) => error);

describe.each(ALL)('channels over %s alone', (name) => {
  it('joins, publishes and leaves; the member gets its publish stamped on its channel listener, never as a message', async () => {
    const server = await serve(name);
    const ada = await member(server, name);
    await ada.client.join('room');
    expect(server.hub.channel('room').size).toBe(1);
    expect(ada.client.channels).toEqual(new Set(['room']));

    await ada.client.publish('room', 'hello room');
    server.hub.publish('room', 'from the app', { sender: { name: 'server' } });
    await waitUntil(() => ada.room.length === 2, 'two channel messages');
    const [[data, meta], [, fromApp]] = ada.room as [[string, ChannelMeta], [string, ChannelMeta]];
    expect(data).toBe('hello room');
    expect(meta).toMatchObject({ channel: 'room', from: undefined });
    expect(meta.id).toMatch(new RegExp(`^${server.hub.nodeId}\\.\\d+$`));
    expect(Math.abs(meta.time! - Date.now())).toBeLessThan(10_000);
    expect(fromApp).toMatchObject({ channel: 'room', from: { name: 'server' } });

    await ada.client.leave('room');
    expect(server.hub.channel('room').size).toBe(0);
    expect(ada.client.channels).toEqual(new Set());
    server.hub.publish('room', 'after leaving');
    server.hub.broadcast('to everyone');
    await waitUntil(() => ada.plain.length === 1, 'the broadcast');
    expect(ada.plain).toEqual(['to everyone']);
    expect(ada.texts()).toEqual(['hello room', 'from the app']);
    expect(ada.errors).toEqual([]);
  });

  it('rejects a join refused by authorizeJoin with the reason, and emits it as an error naming the channel', async () => {
    const server = await serve(name, { authorizeJoin: (_client, channel) => channel !== 'staff' });
    const bob = await member(server, name);
    const result = await settle(bob.client.join('staff'));
    expect(result).toMatchObject({ code: 'ERR_FORBIDDEN', message: 'not allowed to join staff', channel: 'staff' });
    expect(bob.errors).toEqual([result]);
    expect(bob.client.channels).toEqual(new Set());
    expect(server.hub.channel('staff').size).toBe(0);
    await bob.client.join('room'); // the hook lets this one through
    expect(bob.client.channels).toEqual(new Set(['room']));
  });

  it('reports a publish refused by beforePublish to the sender with the reason; members get what it transforms', async () => {
    const server = await serve(name, {
      publishSender: true,
      identify: (req) => req.headers['user-agent'] ?? 'someone',
      beforePublish: (_client, _channel, message) => {
        if (String(message.data).includes('spam')) throw new Error('no spam, please');
        message.data = String(message.data).toUpperCase();
        message.sender = { name: 'ada' };
      },
    });
    const ada = await member(server, name);
    await ada.client.join('room');
    const refused = settle(ada.client.publish('room', 'buy spam'));
    await ada.client.publish('room', 'meeting at noon');
    await waitUntil(() => ada.errors.length === 1 && ada.room.length === 1, 'the refusal and the transformed message');
    const [error] = ada.errors as [ClientError];
    expect(error).toMatchObject({ code: 'ERR_FORBIDDEN', message: 'no spam, please', channel: 'room' });
    // The promise waits for the reply to the publish (published or error), on every transport.
    expect(await refused).toBe(error);
    expect(ada.room).toEqual([['MEETING AT NOON', expect.objectContaining({ channel: 'room', from: { name: 'ada' } })]]);
  });

  it('refuses a publish to a channel the client is not in, with an error event', async () => {
    const server = await serve(name);
    const ada = await member(server, name);
    const outcome = settle(ada.client.publish('room', 'not a member'));
    await waitUntil(() => ada.errors.length === 1, 'the refusal');
    expect(ada.errors[0]).toMatchObject({ code: 'ERR_FORBIDDEN', channel: 'room', message: expect.stringMatching(/not a member of room/) });
    expect(await outcome).toBe(ada.errors[0]);
    expect(ada.room).toEqual([]);
  });

  it('joins its channels again after the server restarted and forgot it; what it published meanwhile reaches the channel', async () => {
    const first = await serve(name);
    const ada = await member(first, name);
    await ada.client.join('room');
    await ada.client.join('lobby');
    const port = Number(new URL(first.url).port);
    const away = nextEvent(ada.client, 'reconnecting');
    await first.hub.close();
    servers.splice(servers.indexOf(first), 1);
    await away;
    const published = ada.client.publish('room', 'sent while away'); // queued: must follow the join again
    const second = await serve(name, {}, port);
    await waitUntil(() => ada.texts().includes('sent while away'), 'the publish sent while away', 10_000);
    await published;
    expect(second.hub.channel('room').size).toBe(1);
    expect(second.hub.channel('lobby').size).toBe(1);
    expect(ada.client.channels).toEqual(new Set(['room', 'lobby']));
    expect(ada.errors.filter((error) => error.code === 'ERR_FORBIDDEN')).toEqual([]);
    second.hub.publish('room', 'after the restart');
    await waitUntil(() => ada.texts().includes('after the restart'), 'a publish of the new server');
  });
});

describe('members on different transports', () => {
  it('one publish reaches a WebSocket member and a long-polling member once each, and the sender', async () => {
    const server = await startServer([SERVER_TRANSPORTS.websocket(), SERVER_TRANSPORTS.longpoll()]);
    servers.push(server);
    const ws = await member(server, 'websocket');
    const poll = await member(server, 'longpoll');
    await Promise.all([ws.client.join('room'), poll.client.join('room')]);
    expect([...server.hub.channel('room').members].map((client) => client.transport).sort()).toEqual(['longpoll', 'websocket']);
    await ws.client.publish('room', 'from the socket');
    await poll.client.publish('room', 'from the poll');
    server.hub.broadcast('marker'); // after both publishes: once it arrives, a duplicate would have too
    await waitUntil(() => ws.plain.length === 1 && poll.plain.length === 1, 'the marker on both');
    await sleep(50);
    for (const each of [ws, poll]) {
      expect(each.texts()).toEqual(['from the socket', 'from the poll']);
      expect(new Set(each.room.map(([, meta]) => meta.id)).size).toBe(2);
    }
    expect(ws.room.map(([, meta]) => meta.id)).toEqual(poll.room.map(([, meta]) => meta.id));
  });
});
