import type { Client, Hub } from '@grappler/core';
import { openSocket, rawExchange, waitUntil } from '@grappler/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type DraftClient, type Key3Delivery, openDraftClient } from './draft-client';
import { nextConnection, startHub } from './start-hub';

describe('draft-75 and draft-76 clients', () => {
  let hub: Hub | undefined;
  const clients: DraftClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    await hub?.close();
    hub = undefined;
  });
  const open = async (port: number, options: Parameters<typeof openDraftClient>[1]): Promise<DraftClient> => {
    const client = await openDraftClient(port, options);
    clients.push(client);
    return client;
  };

  for (const delivery of ['with-headers', 'later', 'byte-by-byte'] as Key3Delivery[]) {
    it(`completes a draft-76 handshake with key3 ${delivery}`, async () => {
      const started = await startHub();
      hub = started.hub;
      const connected = nextConnection(hub);
      const client = await open(started.port, { version: 'draft76', key3: delivery, path: '/demo?q=1' });
      expect(client.status).toBe('HTTP/1.1 101 WebSocket Protocol Handshake');
      expect(client.headers).toMatchObject({
        upgrade: 'WebSocket',
        connection: 'Upgrade',
        'sec-websocket-origin': 'http://127.0.0.1',
        'sec-websocket-location': `ws://127.0.0.1:${started.port}/demo?q=1`,
      });
      expect(client.answer).toEqual(client.expectedAnswer);
      const server = await connected;
      expect(server.version).toBe('draft76');
      const received: unknown[] = [];
      server.on('message', (data) => received.push(data));
      client.send('hello ✓');
      await waitUntil(() => received.length === 1, 'the message');
      expect(received).toEqual(['hello ✓']);
    });
  }

  it('completes a draft-75 handshake with the draft-75 headers', async () => {
    const started = await startHub({ websocket: { protocols: ['chat'] } });
    hub = started.hub;
    const connected = nextConnection(hub);
    const client = await open(started.port, { version: 'draft75', protocol: 'chat' });
    expect(client.status).toBe('HTTP/1.1 101 Web Socket Protocol Handshake');
    expect(client.headers).toEqual({
      upgrade: 'WebSocket',
      connection: 'Upgrade',
      'websocket-origin': 'http://127.0.0.1',
      'websocket-location': `ws://127.0.0.1:${started.port}/`,
      'websocket-protocol': 'chat',
    });
    expect((await connected).version).toBe('draft75');
  });

  it('echoes a draft-76 subprotocol only when it is allowed', async () => {
    const started = await startHub({ websocket: { protocols: ['sample'] } });
    hub = started.hub;
    const allowed = await open(started.port, { version: 'draft76', protocol: 'sample' });
    expect(allowed.headers['sec-websocket-protocol']).toBe('sample');
    const other = await open(started.port, { version: 'draft76', protocol: 'other' });
    expect(other.headers['sec-websocket-protocol']).toBeUndefined();
  });

  it('one broadcast reaches RFC 6455, draft-76 and draft-75 clients together', async () => {
    const started = await startHub();
    hub = started.hub;
    const modern = await openSocket(started.url);
    const d76 = await open(started.port, { version: 'draft76' });
    const d75 = await open(started.port, { version: 'draft75' });
    await waitUntil(() => hub!.size === 3, 'three clients');
    expect(hub.map((client) => client.version).sort()).toEqual(['draft75', 'draft76', 'rfc6455']);
    hub.broadcast('to everyone');
    hub.broadcast(Uint8Array.from([1, 2, 3]));
    hub.broadcast('after the bytes');
    expect(await modern.waitForMessages(3)).toEqual(['to everyone', 'binary:010203', 'after the bytes']);
    for (const draft of [d76, d75]) {
      await draft.waitFor(() => draft.messages.length === 2);
      expect(draft.messages).toEqual(['to everyone', 'after the bytes']);
      expect(draft.events).toEqual(['skipped 3 bytes']);
    }
    modern.ws.terminate();
  });

  it('runs the draft-76 closing handshake in both directions', async () => {
    const started = await startHub();
    hub = started.hub;
    const connected = nextConnection(hub);
    const byServer = await open(started.port, { version: 'draft76' });
    const server = await connected;
    const closedByServer = new Promise((resolve) => server.once('close', resolve));
    server.close();
    await byServer.closed;
    expect(byServer.events).toEqual(['close-frame']);
    expect(await closedByServer).toMatchObject({ code: 1000 });

    const nextOne = nextConnection(hub);
    const byClient = await open(started.port, { version: 'draft76' });
    const other = await nextOne;
    const closedByClient = new Promise((resolve) => other.once('close', resolve));
    byClient.socket.write(Buffer.from([0xff, 0x00]));
    await byClient.closed;
    expect(byClient.events).toEqual(['close-frame']);
    expect(await closedByClient).toMatchObject({ code: 1000, reason: 'closing handshake' });
  });

  it('closes a client that sends invalid UTF-8 or too much, with an error on that client alone', async () => {
    const started = await startHub({ websocket: { maxPayload: 16 } });
    hub = started.hub;
    const healthy = await open(started.port, { version: 'draft75' });
    for (const [bytes, code] of [
      [Buffer.from([0x00, 0xc3, 0x28, 0xff]), 'ERR_PROTOCOL'],
      [Buffer.concat([Buffer.from([0x00]), Buffer.alloc(40, 0x61)]), 'ERR_MESSAGE_TOO_LARGE'],
      [Buffer.from('garbage'), 'ERR_PROTOCOL'],
    ] as const) {
      const connected = nextConnection(hub);
      const bad = await open(started.port, { version: 'draft76' });
      const client: Client = await connected;
      const errors: { code: string }[] = [];
      client.on('error', (error) => errors.push(error));
      bad.socket.write(bytes);
      await bad.closed;
      expect(errors.map((error) => error.code)).toEqual([code]);
    }
    await waitUntil(() => hub!.size === 1, 'only the healthy client');
    hub.broadcast('still serving');
    await healthy.waitFor(() => healthy.messages.length === 1);
    expect(healthy.messages).toEqual(['still serving']);
  });

  it('answers bad draft handshakes with 400 and adds nothing to the hub', async () => {
    const started = await startHub();
    hub = started.hub;
    let connections = 0;
    hub.on('connection', () => connections++);
    const request = (keys: string, extra = '') =>
      `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nOrigin: http://127.0.0.1\r\n${keys}${extra}\r\n12345678`;
    const bad = [
      request('Sec-WebSocket-Key1: 1 x 2\r\n'),
      request('Sec-WebSocket-Key1: 12\r\nSec-WebSocket-Key2: 9 9 99 99\r\n'),
      request('Sec-WebSocket-Key1: 1 2 3\r\nSec-WebSocket-Key2: 9 9 99 99\r\n'),
      request('Sec-WebSocket-Key1: 85899 34592\r\nSec-WebSocket-Key2: 9 9 99 99\r\n'),
      request('', `X-Padding: ${'p'.repeat(9000)}\r\n`),
    ];
    for (const bytes of bad) {
      const { response, closed } = await rawExchange(started.port, bytes);
      expect(response).toMatch(/^HTTP\/1\.1 400 Bad Request/);
      expect(closed).toBe(true);
    }
    expect(connections).toBe(0);
    expect(hub.size).toBe(0);
  });

  it('drops a draft-76 handshake whose key3 never arrives, after handshakeTimeoutMs', async () => {
    const started = await startHub({ websocket: { handshakeTimeoutMs: 100 } });
    hub = started.hub;
    const { response, closed } = await rawExchange(
      started.port,
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key1: 1 x 2\r\nSec-WebSocket-Key2: 9 9 99 99\r\n\r\nabc',
    );
    expect({ response, closed }).toEqual({ response: '', closed: true });
    expect(hub.size).toBe(0);
  });

  it('serves only the versions asked for, refusing the rest with 426', async () => {
    const started = await startHub({ websocket: { versions: ['rfc6455'] } });
    hub = started.hub;
    const refused = await open(started.port, { version: 'draft76' });
    expect(refused.status).toMatch(/^HTTP\/1\.1 426 /);
    expect(refused.headers['sec-websocket-version']).toBe('13');
    const modern = await openSocket(started.url);
    modern.ws.terminate();
  });

  it('checks origins for draft clients too', async () => {
    const started = await startHub({ origins: 'good.example' });
    hub = started.hub;
    const refused = await open(started.port, { version: 'draft75', origin: 'http://evil.example' });
    expect(refused.status).toMatch(/^HTTP\/1\.1 403 /);
    const allowed = await open(started.port, { version: 'draft76', origin: 'http://good.example' });
    expect(allowed.status).toMatch(/^HTTP\/1\.1 101 /);
  });

  it('finds a draft client that stopped reading through its stuck queue (no ping in the drafts)', async () => {
    const started = await startHub({ pingInterval: 25, limits: { maxBufferedBytes: 512 << 20 }, websocket: { idleTimeoutMs: 200 } });
    hub = started.hub;
    const connected = nextConnection(hub);
    const deaf = await open(started.port, { version: 'draft76' });
    deaf.socket.pause();
    const server = await connected;
    const errors: { code: string }[] = [];
    server.on('error', (error) => errors.push(error));
    const closed = new Promise((resolve) => server.once('close', resolve));
    const chunk = 'x'.repeat(1 << 20);
    for (let i = 0; i < 64 && server.bufferedBytes === 0; i++) server.write(chunk);
    expect(server.bufferedBytes).toBeGreaterThan(0);
    await closed;
    expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
  });

  it('gives backpressure to draft clients: write() false past the mark, drain once read', async () => {
    const started = await startHub({ limits: { maxBufferedBytes: 512 << 20 } });
    hub = started.hub;
    const connected = nextConnection(hub);
    const slow = await open(started.port, { version: 'draft75' });
    slow.socket.pause();
    const server = await connected;
    let writes = 0;
    while (server.write('y'.repeat(256 << 10)) && writes < 400) writes++;
    expect(writes).toBeLessThan(400);
    const drained = new Promise<void>((resolve) => server.once('drain', resolve));
    slow.socket.resume();
    await drained;
    expect(server.bufferedBytes).toBe(0);
  });
});
