import { openSocket, type RecordingSocket } from '@grappler/testkit';
import type { Client, Hub, HubOptions } from '@grappler/core';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UPGRADE_REQUEST, nextConnection, startHub } from './start-hub';

const CHUNK = 'z'.repeat(256 << 10);

/** Writes until `write()` returns false (bounded), returning how many writes it took. */
function fillUntilFull(client: Client): number {
  for (let i = 1; i <= 400; i++) if (!client.write(CHUNK)) return i;
  throw new Error('write() never returned false');
}

/** A raw TCP WebSocket client that completes the handshake and then never reads nor answers pings. */
async function deafClient(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(UPGRADE_REQUEST);
  await new Promise((resolve) => socket.once('data', resolve));
  socket.pause();
  return socket;
}

describe('backpressure and dead peers', () => {
  let hub: Hub | undefined;
  const sockets: RecordingSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await hub?.close();
    hub = undefined;
  });

  /** A hub with `limits`, and one client of it whose peer has stopped reading. */
  async function stalledClient(limits: NonNullable<HubOptions['limits']>): Promise<{ client: Client; socket: RecordingSocket }> {
    const started = await startHub({ limits });
    hub = started.hub;
    const connected = nextConnection(hub);
    const socket = await openSocket(started.url);
    sockets.push(socket);
    const client = await connected;
    socket.ws.pause();
    return { client, socket };
  }

  it('write() returns false on a client that does not read, and drain fires once it reads', async () => {
    const { client, socket } = await stalledClient({ maxBufferedBytes: 256 << 20 });
    const writes = fillUntilFull(client);
    expect(client.bufferedBytes).toBeGreaterThan(hub!.limits.highWaterMarkBytes);
    let drained = 0;
    client.on('drain', () => drained++);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(drained).toBe(0);
    const drain = new Promise<void>((resolve) => client.once('drain', resolve));
    socket.ws.resume();
    await drain;
    expect(client.bufferedBytes).toBe(0);
    expect(await socket.waitForMessages(writes, 10_000)).toHaveLength(writes);
    expect(drained).toBe(1);
    expect(client.write('small again')).toBe(true);
  });

  it('honours a highWaterMarkBytes below the mark of the socket itself (16 KiB)', async () => {
    const { client, socket } = await stalledClient({ highWaterMarkBytes: 1024, maxBufferedBytes: 256 << 20 });
    // The kernel's buffers take the first few MiB; then bytes queue in user memory.
    const piece = 'p'.repeat(2000);
    let writes = 0;
    while (client.write(piece)) if (++writes > 20_000) throw new Error('write() never returned false');
    // Past 1 KiB, not past the socket's 16 KiB: the hub's mark decides, not the socket's.
    expect(client.bufferedBytes).toBeGreaterThan(1024);
    expect(client.bufferedBytes).toBeLessThan(16 << 10);
    const drain = new Promise<void>((resolve) => client.once('drain', resolve));
    socket.ws.resume();
    await drain;
    expect(client.write('small again')).toBe(true);
  });

  it('cuts off a client past maxBufferedBytes and keeps serving the others', async () => {
    const started = await startHub({ limits: { maxBufferedBytes: 1 << 20 } });
    hub = started.hub;
    const connected = nextConnection(hub);
    const deaf = await deafClient(started.port);
    const slow = await connected;
    const healthy = await openSocket(started.url);
    sockets.push(healthy);
    while (hub.size < 2) await new Promise((resolve) => setImmediate(resolve));
    const errors: unknown[] = [];
    slow.on('error', (error) => errors.push(error));
    const closed = new Promise((resolve) => slow.once('close', resolve));
    // Loopback kernel buffers can hold several MiB before anything queues in user memory.
    for (let i = 0; i < 400 && errors.length === 0; i++) {
      hub.broadcast(CHUNK);
      // Yield so the healthy reader drains: a burst in one tick would count against it too.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await closed;
    expect(errors[0]).toMatchObject({ code: 'ERR_BUFFER_FULL', limit: 'maxBufferedBytes', max: 1 << 20 });
    expect(hub.get(slow.id)).toBeUndefined();
    hub.broadcast('after');
    const deadline = Date.now() + 10_000;
    while (healthy.messages.at(-1) !== 'after' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(healthy.messages.at(-1)).toBe('after');
    expect(healthy.messages.slice(0, -1).every((message) => message === CHUNK)).toBe(true);
    deaf.destroy();
  });

  it('terminates a peer that stops answering pings', async () => {
    const started = await startHub({ pingInterval: 50, websocket: { pingIntervalMs: 50 } });
    hub = started.hub;
    const connected = nextConnection(hub);
    const deaf = await deafClient(started.port);
    const client = await connected;
    const alive = await openSocket(started.url);
    sockets.push(alive);
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    const waitingSince = Date.now();
    await new Promise((resolve) => client.once('close', resolve));
    // Two intervals are enough; the bound only catches a heartbeat that never fires.
    expect(Date.now() - waitingSince).toBeLessThan(40 * 50);
    expect(errors[0]).toMatchObject({ code: 'ERR_HEARTBEAT_TIMEOUT' });
    // A client that answers pings (ws does by itself) stays.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hub.size).toBe(1);
    deaf.destroy();
  });

  it('pings every pingIntervalMs, not on every heartbeat of the hub', async () => {
    const started = await startHub({ pingInterval: 20, websocket: { pingIntervalMs: 200 } });
    hub = started.hub;
    const socket = await openSocket(started.url);
    sockets.push(socket);
    const pings: number[] = [];
    const fourPings = new Promise<void>((resolve) => {
      socket.ws.on('ping', () => {
        if (pings.push(performance.now()) === 4) resolve();
      });
    });
    await fourPings;
    // One every 200 ms; pinging on every heartbeat would space them 20 ms apart. A busy machine
    // only delays heartbeats, so no gap is far below the interval.
    const gaps = pings.slice(1).map((at, index) => at - pings[index]!);
    for (const gap of gaps) expect(gap).toBeGreaterThan(100);
  });

  it('gives a peer that stops answering a whole pingIntervalMs before terminating it', async () => {
    const started = await startHub({ pingInterval: 20, websocket: { pingIntervalMs: 300 } });
    hub = started.hub;
    const connected = nextConnection(hub);
    const deaf = await deafClient(started.port);
    const client = await connected;
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.code));
    const since = performance.now();
    await new Promise((resolve) => client.once('close', resolve));
    expect(errors).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
    // A ping, then a whole interval without a pong: never within a few heartbeats of 20 ms.
    expect(performance.now() - since).toBeGreaterThan(250);
    deaf.destroy();
  });
});
