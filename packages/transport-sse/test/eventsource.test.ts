import type { Hub } from '@grappler/core';
import { waitUntil } from '@grappler/testkit';
import { EventSource } from 'eventsource';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawStream, messagesOf, nextConnection, openStream, startHub } from './helpers';

describe('delivery to plain SSE clients', () => {
  let hub: Hub | undefined;
  const sources: EventSource[] = [];
  const streams: RawStream[] = [];
  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    for (const stream of streams.splice(0)) stream.close();
    await hub?.close();
    hub = undefined;
  });

  /** An `eventsource` EventSource that records its message events; no grappler code involved. */
  function listenWith(url: string): { source: EventSource; messages: string[]; ids: string[] } {
    const source = new EventSource(url);
    sources.push(source);
    const messages: string[] = [];
    const ids: string[] = [];
    source.onmessage = (event) => {
      messages.push(event.data);
      ids.push(event.lastEventId);
    };
    return { source, messages, ids };
  }

  it('the eventsource package receives plain broadcasts as message events', async () => {
    const started = await startHub();
    hub = started.hub;
    const a = listenWith(`${started.base}/`);
    const b = listenWith(`${started.base}/anywhere?x=1`);
    await waitUntil(() => hub!.size === 2, 'two SSE clients');
    hub.broadcast('hello');
    hub.broadcast('two\nlines');
    hub.broadcast('');
    hub.broadcast('é 😀');
    for (const listener of [a, b]) {
      await waitUntil(() => listener.messages.length === 4, 'four messages');
      expect(listener.messages).toEqual(['hello', 'two\nlines', '', 'é 😀']);
    }
    expect(hub.map((client) => client.transport)).toEqual(['sse', 'sse']);
  });

  it('answers with the event-stream headers and sends retry: first', async () => {
    const started = await startHub({ sse: { retryMs: 1234 } });
    hub = started.hub;
    const stream = await openStream(started.port);
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-cache');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.headers['x-grappler-session']).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await waitUntil(() => stream.text.includes('retry:'), 'the retry field');
    expect(stream.text.startsWith('retry: 1234\n')).toBe(true);
    expect(stream.parser.retries).toEqual([1234]);
  });

  it('sends paddingBytes of comment before anything else', async () => {
    const started = await startHub({ sse: { paddingBytes: 2048 } });
    hub = started.hub;
    const stream = await openStream(started.port);
    streams.push(stream);
    await waitUntil(() => stream.text.includes('retry:'), 'the retry field');
    expect(stream.text.indexOf('retry: 2000\n')).toBe(2048);
    expect(stream.text.slice(0, 2048)).toMatch(/^: *\n$/);
    hub.broadcast('after the padding');
    await stream.waitForEvents(1);
    expect(messagesOf(stream)).toEqual(['after the padding']);
  });

  it('delivers 1,000 broadcasts with nothing lost, duplicated or reordered', async () => {
    const started = await startHub();
    hub = started.hub;
    const listener = listenWith(`${started.base}/`);
    const stream = await openStream(started.port);
    streams.push(stream);
    await waitUntil(() => hub!.size === 2, 'two SSE clients');
    const expected = Array.from({ length: 1000 }, (_, i) => `message ${i}`);
    for (const message of expected) hub.broadcast(message);
    await waitUntil(() => listener.messages.length >= 1000, '1,000 messages on the eventsource client');
    await stream.waitForEvents(1000);
    expect(listener.messages).toEqual(expected);
    expect(messagesOf(stream)).toEqual(expected);
    const session = stream.headers['x-grappler-session'];
    expect(stream.parser.events.map((event) => event.lastEventId)).toEqual(expected.map((_, i) => `${session}.${i + 1}`));
  });

  it('keeps a message with line breaks and field names in it one message event', async () => {
    const started = await startHub();
    hub = started.hub;
    const listener = listenWith(`${started.base}/`);
    const stream = await openStream(started.port);
    streams.push(stream);
    await waitUntil(() => hub!.size === 2, 'two SSE clients');
    hub.broadcast('a\nevent: evil\ndata: x\r\nid: 9');
    hub.broadcast('next');
    await stream.waitForEvents(2);
    await waitUntil(() => listener.messages.length === 2, 'two messages');
    const normalized = 'a\nevent: evil\ndata: x\nid: 9';
    expect(listener.messages).toEqual([normalized, 'next']);
    const session = String(stream.headers['x-grappler-session']);
    expect(stream.parser.events).toEqual([
      { type: 'message', data: normalized, lastEventId: `${session}.1` },
      { type: 'message', data: 'next', lastEventId: `${session}.2` },
    ]);
    expect(listener.ids[0]).toMatch(/\.1$/);
    expect(stream.parser.retries).toEqual([2000]);
  });

  it('delivers binary messages as binary events that onmessage does not see', async () => {
    const started = await startHub();
    hub = started.hub;
    const listener = listenWith(`${started.base}/`);
    const binary: string[] = [];
    listener.source.addEventListener('binary', (event) => binary.push(event.data));
    await waitUntil(() => hub!.size === 1, 'one SSE client');
    hub.broadcast(Uint8Array.from([0, 1, 2, 255]));
    hub.broadcast('text after');
    await waitUntil(() => listener.messages.length === 1 && binary.length === 1, 'both events');
    expect(binary).toEqual(['AAEC/w==']);
    expect(listener.messages).toEqual(['text after']);
  });

  it('the eventsource package resumes its session after a dropped connection, losing nothing', async () => {
    const sockets = new Set<Socket>();
    const started = await startHub({ sse: { retryMs: 20 } });
    hub = started.hub;
    started.server.on('connection', (socket) => sockets.add(socket));
    const lastEventIds: (string | string[] | undefined)[] = [];
    started.server.on('request', (req) => lastEventIds.push(req.headers['last-event-id']));
    const connected = nextConnection(hub);
    const listener = listenWith(`${started.base}/`);
    const client = await connected;
    hub.broadcast('before');
    await waitUntil(() => listener.messages.length === 1, 'the first message');
    for (const socket of sockets) socket.destroy();
    hub.broadcast('while away 1');
    hub.broadcast('while away 2');
    await waitUntil(() => listener.messages.length === 3, 'the messages sent while it was away');
    hub.broadcast('after');
    await waitUntil(() => listener.messages.length === 4, 'the message after it came back');
    expect(listener.messages).toEqual(['before', 'while away 1', 'while away 2', 'after']);
    expect(hub.size).toBe(1);
    expect(hub.get(client.id)).toBe(client);
    // One reconnect, carrying the id of the last event seen: the session and its seq.
    expect(lastEventIds).toEqual([undefined, listener.ids[0]]);
    expect(listener.ids[0]).toMatch(/^[A-Za-z0-9_-]{24}\.1$/);
  });
});
