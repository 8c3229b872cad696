import type { CloseReason, GrapplerError, Hub } from '@grappler/core';
import { waitUntil } from '@grappler/testkit';
import { once } from 'node:events';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawStream, exchange, messagesOf, nextConnection, openStream, startHub } from './helpers';

describe('heartbeats, expiry and limits', () => {
  let hub: Hub | undefined;
  const streams: RawStream[] = [];
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await hub?.close();
    hub = undefined;
  });

  async function open(port: number, headers: Record<string, string> = {}, record = true): Promise<RawStream> {
    const stream = await openStream(port, '/', headers, record);
    streams.push(stream);
    return stream;
  }

  it('sends a comment heartbeat every pingInterval, which dispatches no event', async () => {
    const started = await startHub({ pingInterval: 50 });
    hub = started.hub;
    const stream = await open(started.port);
    await waitUntil(() => stream.parser.comments.length >= 3, 'three heartbeats');
    expect(stream.text).toContain('\n:\n\n:\n\n');
    expect(stream.parser.events).toEqual([]);
    hub.broadcast('between heartbeats');
    await stream.waitForEvents(1);
    const seen = stream.parser.comments.length;
    await waitUntil(() => stream.parser.comments.length >= seen + 2, 'more heartbeats');
    expect(messagesOf(stream)).toEqual(['between heartbeats']);
  });

  it('keeps a session whose stream stays open past sessionIdleMs', async () => {
    const started = await startHub({ pingInterval: 50, limits: { sessionIdleMs: 200 } });
    hub = started.hub;
    const stream = await open(started.port);
    // Ten heartbeats: at least 500 ms, well past sessionIdleMs.
    await waitUntil(() => stream.parser.comments.length >= 10, 'ten heartbeats');
    expect(hub.size).toBe(1);
    hub.broadcast('still here');
    await stream.waitForEvents(1);
  });

  it('expires a session whose stream closed and never came back: close after sessionIdleMs', async () => {
    const started = await startHub({ pingInterval: 50, limits: { sessionIdleMs: 200 } });
    hub = started.hub;
    const connected = nextConnection(hub);
    const stream = await open(started.port);
    const session = String(stream.headers['x-grappler-session']);
    const client = await connected;
    const errors: GrapplerError[] = [];
    client.on('error', (error) => errors.push(error));
    const closed = new Promise<CloseReason>((resolve) => client.once('close', resolve));
    stream.close();
    const reason = await closed;
    expect(reason.code).toBe(1001);
    expect(errors.map((error) => error.code)).toEqual(['ERR_SESSION_EXPIRED']);
    expect(hub.size).toBe(0);
    const late = await exchange(started.port, { headers: { Accept: 'text/event-stream', 'Last-Event-ID': `${session}.0` } });
    expect(late.status).toBe(404);
    expect(JSON.parse(late.body)).toMatchObject({ error: 'ERR_UNKNOWN_SESSION' });
  });

  it('expires a session whose client hung up while the accept hook ran', async () => {
    let hookStarted: () => void = () => {};
    const started = await startHub({
      pingInterval: 50,
      limits: { sessionIdleMs: 200 },
      acceptClient: async (socket) => {
        hookStarted();
        await once(socket, 'close');
        return true;
      },
    });
    hub = started.hub;
    const connected = nextConnection(hub);
    const req = request({ host: '127.0.0.1', port: started.port, agent: false, headers: { Accept: 'text/event-stream' } });
    req.on('error', () => {});
    await new Promise<void>((resolve) => {
      hookStarted = resolve;
      req.end();
    });
    req.destroy();
    const client = await connected;
    client.on('error', () => {});
    const reason = await new Promise<CloseReason>((resolve) => client.once('close', resolve));
    expect(reason.code).toBe(1001);
    expect(hub.size).toBe(0);
  });

  it('closes a client that does not read with ERR_BUFFER_FULL past maxBufferedBytes; another keeps receiving', async () => {
    const maxBufferedBytes = 256 << 10;
    const started = await startHub({ limits: { maxBufferedBytes } });
    hub = started.hub;
    const sockets: Socket[] = [];
    started.server.on('connection', (socket) => sockets.push(socket));
    const slowConnected = nextConnection(hub);
    const slow = await open(started.port, {}, false);
    const slowClient = await slowConnected;
    const fast = await open(started.port, {}, false);
    await waitUntil(() => hub!.size === 2, 'two clients');
    const errors: GrapplerError[] = [];
    slowClient.on('error', (error) => errors.push(error));
    let slowClosed = false;
    slowClient.once('close', () => {
      slowClosed = true;
    });
    slow.res.pause();
    const chunk = 'x'.repeat(64 << 10);
    let sent = 0;
    while (!slowClosed && sent < 4000) {
      hub.broadcast(chunk);
      sent++;
      // Let the fast client read, and keep only a count of what it got.
      await new Promise((resolve) => setImmediate(resolve));
      fast.parser.events.splice(0, Math.max(0, fast.parser.events.length - 1));
    }
    expect(slowClosed).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_BUFFER_FULL', limit: 'maxBufferedBytes', max: maxBufferedBytes });
    expect(hub.size).toBe(1);
    hub.broadcast('after the slow one left');
    await waitUntil(() => fast.parser.events.at(-1)?.data === 'after the slow one left', 'the fast client to keep receiving');
    // The cut-off response does not keep its socket (and the megabytes queued on it) until the peer reads.
    await waitUntil(() => sockets[0]!.destroyed, "the slow client's socket to be released");
    expect(sockets[1]!.destroyed).toBe(false);
  });

  it('emits drain once a client that fell behind catches up', async () => {
    const started = await startHub();
    hub = started.hub;
    const connected = nextConnection(hub);
    const stream = await open(started.port, {}, false);
    const client = await connected;
    stream.res.pause();
    const chunk = 'y'.repeat(32 << 10);
    let writes = 0;
    while (client.write(chunk) && writes < 2000) {
      writes++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(client.bufferedBytes).toBeGreaterThan(hub.limits.highWaterMarkBytes);
    let drained = false;
    client.once('drain', () => {
      drained = true;
    });
    stream.res.resume();
    await waitUntil(() => client.bufferedBytes === 0, 'the response to flush');
    await waitUntil(() => drained, 'the drain event');
    await stream.waitForEvents(writes + 1);
  });

  it('hub.close() ends every stream with no handle left open', async () => {
    const started = await startHub();
    hub = started.hub;
    const a = await open(started.port);
    const b = await open(started.port);
    await waitUntil(() => hub!.size === 2, 'two clients');
    hub.broadcast('bye');
    await a.waitForEvents(1);
    await b.waitForEvents(1);
    await hub.close();
    await waitUntil(() => a.ended && b.ended, 'both streams to end');
    expect(started.server.listening).toBe(false);
    expect(hub.size).toBe(0);
  });
});
