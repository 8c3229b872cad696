import { closeCode, openSocket, rawExchange, refusedStatus } from '@grappler/testkit';
import type { Hub } from '@grappler/core';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { nextConnection, startHub } from './start-hub';

const UPGRADE = (key: string | null, extra = ''): string =>
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  (key === null ? '' : `Sec-WebSocket-Key: ${key}\r\n`) +
  `Sec-WebSocket-Version: 13\r\n${extra}\r\n`;

describe('the RFC 6455 handshake', () => {
  let hub: Hub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('refuses a wrong origin with 403 before any client exists', async () => {
    const started = await startHub({ origins: ['app.example:443', 'localhost'] });
    hub = started.hub;
    let connections = 0;
    hub.on('connection', () => connections++);
    expect(await refusedStatus(started.url, { origin: 'https://evil.example' })).toBe(403);
    expect(await refusedStatus(started.url, { origin: 'https://app.example:8443' })).toBe(403);
    expect(await refusedStatus(started.url)).toBe(403);
    const allowed = await openSocket(started.url, { origin: 'https://app.example' });
    const local = await openSocket(started.url, { origin: 'http://localhost:5173' });
    await allowed.close();
    await local.close();
    expect(connections).toBe(2);
  });

  it('drops the socket with nothing written when the accept hook says no', async () => {
    const seen: string[] = [];
    const started = await startHub({
      acceptClient: (socket, req) => {
        seen.push(`${(socket as import('node:net').Socket).remoteAddress} ${req.url}`);
        return !req.url?.includes('blocked');
      },
    });
    hub = started.hub;
    const dropped = await rawExchange(started.port, UPGRADE('dGhlIHNhbXBsZSBub25jZQ==').replace('GET /', 'GET /blocked'));
    expect(dropped).toEqual({ response: '', closed: true });
    const asyncRefusal = await startHub({ acceptClient: async () => false });
    const alsoDropped = await rawExchange(asyncRefusal.port, UPGRADE('dGhlIHNhbXBsZSBub25jZQ=='));
    await asyncRefusal.hub.close();
    expect(alsoDropped).toEqual({ response: '', closed: true });
    const ok = await openSocket(started.url);
    await ok.close();
    expect(seen).toEqual(['127.0.0.1 /blocked', '127.0.0.1 /']);
  });

  it('answers garbage on the upgrade path with 400 and keeps serving the others', async () => {
    const started = await startHub();
    hub = started.hub;
    const healthy = await openSocket(started.url);
    for (const garbage of [
      UPGRADE(null),
      UPGRADE('too-short'),
      UPGRADE('dGhlIHNhbXBsZSBub25jZQ==').replace('Version: 13', 'Version: 99'),
    ]) {
      const { response, closed } = await rawExchange(started.port, garbage);
      expect(response).toMatch(/^HTTP\/1\.1 400 /);
      expect(closed).toBe(true);
    }
    const posted = await rawExchange(started.port, UPGRADE('dGhlIHNhbXBsZSBub25jZQ==').replace('GET', 'POST'));
    expect(posted.response).toMatch(/^HTTP\/1\.1 405 /);
    const notWebSocket = await rawExchange(started.port, 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    expect(notWebSocket.response).toMatch(/^HTTP\/1\.1 400 /);
    const binaryNoise = await rawExchange(started.port, Buffer.from([0x16, 0x03, 0x01, 0xff, 0x00, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]));
    expect(binaryNoise.response).toMatch(/^HTTP\/1\.1 400 /);
    hub.broadcast('still here');
    expect(await healthy.waitForMessages(1)).toEqual(['still here']);
    await healthy.close();
  });

  it('logs a handshake that ws refuses, and leaves an accepted socket one error listener, ws\'s', async () => {
    const logs: string[] = [];
    const started = await startHub({ logger: (message, level) => logs.push(`${level} ${message}`) });
    hub = started.hub;
    const { response } = await rawExchange(started.port, UPGRADE('too-short'));
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(logs).toContain('2 websocket handshake failed: HandshakeError: refused by the RFC 6455 handshake');
    const upgraded = new Promise<import('node:stream').Duplex>((resolve) => started.server.once('upgrade', (_req, socket) => resolve(socket)));
    const connected = nextConnection(hub);
    const socket = await openSocket(started.url);
    await connected;
    const serverSide = await upgraded;
    // ws's own listener handles errors from here on; a second one would be kept for the connection's life.
    expect(serverSide.listenerCount('error')).toBe(1);
    await socket.close();
  });

  it('negotiates a subprotocol from the configured list, in the server order', async () => {
    const started = await startHub({ websocket: { protocols: ['chat.v2', 'chat.v1'] } });
    hub = started.hub;
    const both = await openSocket(started.url, { protocols: ['chat.v1', 'chat.v2'] });
    expect(both.ws.protocol).toBe('chat.v2');
    const unknown = await openSocket(started.url, { protocols: ['other'] }).catch((error: Error) => error);
    expect(unknown).toBeInstanceOf(Error);
    const none = await openSocket(started.url);
    expect(none.ws.protocol).toBe('');
    await both.close();
    await none.close();
  });

  it("keeps the request's headers on the client, less those that only served the handshake", async () => {
    const started = await startHub({ websocket: { protocols: ['chat.v1'] } });
    hub = started.hub;
    const connected = nextConnection(hub);
    const socket = await openSocket(started.url, { protocols: ['chat.v1'], headers: { 'x-room': 'lobby', cookie: 'sid=7' }, perMessageDeflate: true });
    const client = await connected;
    expect(client.headers).toMatchObject({ 'x-room': 'lobby', cookie: 'sid=7', 'sec-websocket-protocol': 'chat.v1' });
    expect(client.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
    for (const name of ['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions']) {
      expect(client.headers).not.toHaveProperty(name);
    }
    await socket.close();
  });

  it('closes with 1009 when a frame exceeds maxPayload, reporting the limit', async () => {
    const started = await startHub({ websocket: { maxPayload: 16 } });
    hub = started.hub;
    const connected = nextConnection(hub);
    const socket = await openSocket(started.url);
    const client = await connected;
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    const code = closeCode(socket.ws);
    socket.ws.send('x'.repeat(17));
    expect(await code).toBe(1009);
    expect(errors[0]).toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE', limit: 'maxMessageBytes', max: 16 });
  });

  it('takes maxPayload from the hub limit maxMessageBytes by default', async () => {
    const started = await startHub({ limits: { maxMessageBytes: 8 } });
    hub = started.hub;
    const socket = await openSocket(started.url);
    const code = closeCode(socket.ws);
    socket.ws.send('123456789');
    expect(await code).toBe(1009);
  });

  it('refuses connections past maxClients with 503', async () => {
    const started = await startHub({ limits: { maxClients: 1 } });
    hub = started.hub;
    const first = await openSocket(started.url);
    while (hub.size < 1) await new Promise((resolve) => setImmediate(resolve));
    expect(await refusedStatus(started.url)).toBe(503);
    await first.close();
  });

  it('serves only its path when given one, leaving other upgrades to the application', async () => {
    const started = await startHub({ websocket: { path: '/live' } });
    hub = started.hub;
    const served = await openSocket(`${started.url}live?token=1`);
    expect(await refusedStatus(`${started.url}elsewhere`)).toBe(400);
    await served.close();
  });

  it('speaks permessage-deflate only when enabled', async () => {
    const plain = await startHub();
    hub = plain.hub;
    const offered = await openSocket(plain.url, { perMessageDeflate: true });
    expect(offered.ws.extensions).toBe('');
    await offered.close();
    await hub.close();
    const deflating = await startHub({ websocket: { perMessageDeflate: true } });
    hub = deflating.hub;
    const compressed = await openSocket(deflating.url, { perMessageDeflate: true });
    const uncompressed = await openSocket(deflating.url, { perMessageDeflate: false });
    expect(compressed.ws.extensions).toContain('permessage-deflate');
    while (hub.size < 2) await new Promise((resolve) => setImmediate(resolve));
    hub.broadcast('squeeze '.repeat(100));
    expect(await compressed.waitForMessages(1)).toEqual(['squeeze '.repeat(100)]);
    expect(await uncompressed.waitForMessages(1)).toEqual(['squeeze '.repeat(100)]);
    await compressed.close();
    await uncompressed.close();
  });

  it('talks to a plain ws client with no grappler code', async () => {
    const started = await startHub();
    hub = started.hub;
    hub.on('connection', (client) => client.on('message', (data) => client.write(`echo:${String(data)}`)));
    const ws = new WebSocket(started.url);
    const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.once('open', () => ws.send('hi'));
    expect(await reply).toBe('echo:hi');
    ws.close();
  });
});
