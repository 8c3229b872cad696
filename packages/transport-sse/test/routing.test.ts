import type { Hub } from '@grappler/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawStream, exchange, openStream, startHub } from './helpers';

describe('which requests are SSE', () => {
  let hub: Hub | undefined;
  const streams: RawStream[] = [];
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await hub?.close();
    hub = undefined;
  });

  const app = (_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('the app');

  it('claims a GET that accepts text/event-stream on any path, and leaves other requests to the app', async () => {
    const started = await startHub({ app });
    hub = started.hub;
    const stream = await openStream(started.port, '/some/page?x=1');
    streams.push(stream);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const page = await exchange(started.port, { path: '/some/page', headers: { Accept: 'text/html' } });
    expect(page.body).toBe('the app');
    const post = await exchange(started.port, { method: 'POST', path: '/api', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    expect(post.body).toBe('the app');
    expect(hub.size).toBe(1);
  });

  it('claims ?transport=sse whatever the Accept header', async () => {
    const started = await startHub({ app });
    hub = started.hub;
    const stream = await openStream(started.port, '/?transport=sse', { Accept: '*/*' });
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  });

  it('serves GET and POST on the mounted path with no query, and nothing elsewhere', async () => {
    const started = await startHub({ app, sse: { path: '/events' } });
    hub = started.hub;
    const stream = await openStream(started.port, '/events', { Accept: '*/*' });
    streams.push(stream);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const session = String(stream.headers['x-grappler-session']);
    const post = await exchange(started.port, { method: 'POST', path: `/events?session=${session}`, headers: { 'Content-Type': 'text/plain' }, body: 'hi' });
    expect(post.status).toBe(204);
    const elsewhere = await exchange(started.port, { path: '/', headers: { Accept: 'text/event-stream' } });
    expect(elsewhere.body).toBe('the app');
    expect(hub.size).toBe(1);
  });

  it('answers other methods with 405', async () => {
    const started = await startHub({ app });
    hub = started.hub;
    const answer = await exchange(started.port, { method: 'PUT', path: '/?transport=sse' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, POST, OPTIONS');
  });
});
