import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GrapplerClient } from '../src/index';
import { SERVER_TRANSPORTS, type TestServer, nextEvent, startClient, startServer } from './helpers';

const DEAD = 'http://127.0.0.1:9/'; // the discard port: nothing listens there
let server: TestServer | undefined;
let client: GrapplerClient | undefined;
afterEach(async () => {
  vi.useRealTimers();
  client?.close();
  await server?.hub.close();
  client = server = undefined;
});

describe('send queue', () => {
  it('throws a RangeError naming maxQueuedMessages once the queue is full', () => {
    ({ client } = startClient(DEAD, { maxQueuedMessages: 2 }));
    client.send('a');
    client.send('b');
    expect(() => client!.send('c')).toThrow(RangeError);
    expect(() => client!.send('c')).toThrow(/maxQueuedMessages/);
  });

  it('throws ERR_CLOSED on send() after close()', () => {
    ({ client } = startClient(DEAD));
    client.close();
    expect(() => client!.send('late')).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });

  it('flushes a queue filled while reconnecting, in order', async () => {
    server = await startServer([SERVER_TRANSPORTS.sse()]);
    ({ client } = startClient(server.url, { transports: ['sse'] }));
    await nextEvent(client, 'open');
    const reconnecting = nextEvent(client, 'reconnecting');
    server.dropStreams();
    await reconnecting;
    for (let i = 0; i < 5; i++) client.send(`m${i}`);
    await nextEvent(client, 'reconnect');
    await vi.waitUntil(() => server!.received.length === 5);
    expect(server.received).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });
});

describe('close', () => {
  it('clears the retry timer and emits close once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const started = startClient(DEAD, { transports: ['longpoll'], reconnectDelayMs: 60_000 });
    client = started.client;
    await vi.waitUntil(() => started.events.includes('reconnecting'), { timeout: 5000, interval: 5 });
    expect(vi.getTimerCount()).toBe(1);
    const closes: unknown[] = [];
    client.on('close', (info) => closes.push(info));
    client.close();
    client.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(client.state).toBe('closed');
    expect(client.transport).toBeUndefined();
    expect(closes).toEqual([{ reason: 'closed by the client', wasClean: true }]);
  });

  it('leaves no timer once open, nor after close()', async () => {
    server = await startServer([SERVER_TRANSPORTS.sse()]);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const started = startClient(server.url, { transports: ['websocket', 'sse'] });
    client = started.client;
    await vi.waitUntil(() => started.events.includes('open'), { timeout: 5000, interval: 5 });
    expect(vi.getTimerCount()).toBe(0); // the probe timer went with the open
    client.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(client.state).toBe('closed');
  });

  it('gives up after maxReconnectAttempts and emits close with wasClean false', async () => {
    ({ client } = startClient(DEAD, { transports: ['longpoll'], maxReconnectAttempts: 2, reconnectDelayMs: 5 }));
    const [info] = await nextEvent(client, 'close');
    expect(info.wasClean).toBe(false);
    expect(info.reason).toMatch(/gave up after 2/);
    expect(client.state).toBe('closed');
  });
});
