import type { Hub } from '@grappler/core';
import { waitUntil } from '@grappler/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawStream, exchange, messagesOf, nextConnection, openStream, startHub } from './helpers';

describe('resuming with Last-Event-ID', () => {
  let hub: Hub | undefined;
  const streams: RawStream[] = [];
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await hub?.close();
    hub = undefined;
  });

  async function open(port: number, path = '/', headers: Record<string, string> = {}): Promise<RawStream> {
    const stream = await openStream(port, path, headers);
    streams.push(stream);
    return stream;
  }

  it('sends what came after the last id again, once, in order, and nothing before it', async () => {
    const started = await startHub();
    hub = started.hub;
    const connections: string[] = [];
    hub.on('connection', (client) => connections.push(client.id));
    const first = await open(started.port);
    const session = String(first.headers['x-grappler-session']);
    await waitUntil(() => hub!.size === 1, 'the session');
    for (let i = 1; i <= 5; i++) hub.broadcast(`m${i}`);
    const seen = await first.waitForEvents(5);
    expect(seen.map((event) => event.lastEventId)).toEqual([1, 2, 3, 4, 5].map((seq) => `${session}.${seq}`));
    first.close();
    for (let i = 6; i <= 8; i++) hub.broadcast(`m${i}`);
    // The client says it got as far as m3 (say it had not processed m4 and m5 yet).
    const second = await open(started.port, '/', { 'Last-Event-ID': seen[2]!.lastEventId });
    expect(second.status).toBe(200);
    expect(second.headers['x-grappler-session']).toBe(session);
    await second.waitForEvents(5);
    hub.broadcast('m9');
    await second.waitForEvents(6);
    expect(messagesOf(second)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    expect(second.parser.events.map((event) => event.lastEventId)).toEqual([4, 5, 6, 7, 8, 9].map((seq) => `${session}.${seq}`));
    expect(hub.size).toBe(1);
    expect(connections).toHaveLength(1);
  });

  it('gives a new stream an id before its first message, so an early drop still resumes', async () => {
    const started = await startHub();
    hub = started.hub;
    const first = await open(started.port);
    const session = String(first.headers['x-grappler-session']);
    await waitUntil(() => first.parser.lastEventId === `${session}.0`, 'the initial id');
    expect(first.parser.events).toEqual([]);
    first.close();
    hub.broadcast('sent while the first stream was down');
    const second = await open(started.port, '/', { 'Last-Event-ID': `${session}.0` });
    await second.waitForEvents(1);
    expect(messagesOf(second)).toEqual(['sent while the first stream was down']);
    expect(hub.size).toBe(1);
  });

  it('resumes from the lastEventId query parameter that EventSource polyfills send', async () => {
    const started = await startHub();
    hub = started.hub;
    const first = await open(started.port);
    const session = String(first.headers['x-grappler-session']);
    await waitUntil(() => hub!.size === 1, 'the session');
    hub.broadcast('one');
    hub.broadcast('two');
    await first.waitForEvents(2);
    first.close();
    const second = await open(started.port, `/?lastEventId=${encodeURIComponent(`${session}.1`)}`);
    expect(second.headers['x-grappler-session']).toBe(session);
    await second.waitForEvents(1);
    expect(messagesOf(second)).toEqual(['two']);
  });

  it('a second stream for the session replaces the first, which is ended cleanly', async () => {
    const started = await startHub();
    hub = started.hub;
    const first = await open(started.port);
    const session = String(first.headers['x-grappler-session']);
    await waitUntil(() => first.parser.lastEventId === `${session}.0`, 'the initial id');
    const second = await open(started.port, '/', { 'Last-Event-ID': `${session}.0` });
    await waitUntil(() => first.ended, 'the first stream to end');
    hub.broadcast('to the second');
    await second.waitForEvents(1);
    expect(messagesOf(first)).toEqual([]);
    expect(messagesOf(second)).toEqual(['to the second']);
  });

  it.each(['garbage', 'abc', 'abc.', '.4', 'a b.1', 'abc.1x'])('starts a new session for the malformed Last-Event-ID %j', async (value) => {
    const started = await startHub();
    hub = started.hub;
    const connected = nextConnection(hub);
    const stream = await open(started.port, '/', { 'Last-Event-ID': value });
    expect(stream.status).toBe(200);
    const client = await connected;
    expect(client.transport).toBe('sse');
    expect(stream.headers['x-grappler-session']).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(hub.size).toBe(1);
  });

  it('answers a well-formed id of an unknown session with 404 ERR_UNKNOWN_SESSION', async () => {
    const started = await startHub();
    hub = started.hub;
    const answer = await exchange(started.port, { headers: { Accept: 'text/event-stream', 'Last-Event-ID': `${'A'.repeat(24)}.3` } });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'ERR_UNKNOWN_SESSION' });
    expect(hub.size).toBe(0);
  });

  it('answers 404 for a session the server closed', async () => {
    const started = await startHub();
    hub = started.hub;
    const connected = nextConnection(hub);
    const first = await open(started.port);
    const session = String(first.headers['x-grappler-session']);
    const client = await connected;
    client.close();
    await waitUntil(() => first.ended, 'the stream to end');
    const answer = await exchange(started.port, { headers: { Accept: 'text/event-stream', 'Last-Event-ID': `${session}.0` } });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'ERR_UNKNOWN_SESSION' });
  });
});
