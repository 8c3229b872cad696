import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { GrapplerClient } from '../src/index';
import { SERVER_TRANSPORTS, type TestServer, nextEvent, startClient, startServer } from './helpers';

let server: TestServer | undefined;
const clients: GrapplerClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.hub.close();
  server = undefined;
});
const track = (started: ReturnType<typeof startClient>) => {
  clients.push(started.client);
  return started;
};

describe('fallback', () => {
  it('falls to SSE when the server refuses the WebSocket upgrade, emits transport, and remembers SSE', async () => {
    server = await startServer([SERVER_TRANSPORTS.sse(), SERVER_TRANSPORTS.longpoll()]); // no websocket: upgrades get 400
    const first = track(startClient(server.url));
    const errors: string[] = [];
    first.client.on('error', (error) => errors.push(error.code));
    const changes: unknown[] = [];
    first.client.on('transport', (change) => changes.push(change));
    await nextEvent(first.client, 'open');
    expect(first.client.transport).toBe('sse');
    expect(changes).toEqual([{ from: 'websocket', to: 'sse' }]);
    expect(errors).toEqual(['ERR_CONNECT']);

    const second = track(startClient(server.url)); // same origin: SSE is tried first
    await nextEvent(second.client, 'open');
    expect(second.client.transport).toBe('sse');
    expect(second.events).toEqual(['open']);
  });

  it('falls back when a transport opens nothing within probeTimeoutMs', async () => {
    server = await startServer([SERVER_TRANSPORTS.websocket(), SERVER_TRANSPORTS.sse()]);
    // Nobody answers the upgrade, as behind a proxy that swallows it.
    const swallowed: Duplex[] = [];
    server.server.removeAllListeners('upgrade');
    server.server.on('upgrade', (_req, socket: Duplex) => swallowed.push(socket));
    const { client } = track(startClient(server.url, { probeTimeoutMs: 200 }));
    const [error] = await nextEvent(client, 'error');
    expect(error.code).toBe('ERR_PROBE_TIMEOUT');
    expect(error.message).toContain('probeTimeoutMs');
    await nextEvent(client, 'open');
    expect(client.transport).toBe('sse');
    for (const socket of swallowed) socket.destroy();
  });

  it('respects the order of options.transports', async () => {
    server = await startServer([SERVER_TRANSPORTS.sse(), SERVER_TRANSPORTS.longpoll()]);
    const { client, events } = track(startClient(server.url, { transports: ['longpoll', 'sse'] }));
    await nextEvent(client, 'open');
    expect(client.transport).toBe('longpoll');
    expect(events).toEqual(['open']);
    expect(server.clients[0]!.transport).toBe('longpoll');
  });

  it('tries each allowed transport, then backs off and retries', async () => {
    server = await startServer([SERVER_TRANSPORTS.longpoll()]);
    const { client, events } = track(startClient(server.url, { transports: ['sse', 'xhr-multipart'] }));
    const [info] = await nextEvent(client, 'reconnecting');
    expect(info.attempt).toBe(1);
    expect(events).toEqual(['error', 'transport', 'error', 'reconnecting']);
    expect(client.state).toBe('connecting');
  });
});
