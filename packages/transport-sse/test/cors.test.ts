import type { Hub } from '@grappler/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawStream, exchange, openStream, startHub } from './helpers';

describe('CORS and origins', () => {
  let hub: Hub | undefined;
  const streams: RawStream[] = [];
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await hub?.close();
    hub = undefined;
  });

  const ALLOWED = 'https://app.example.com';

  it('answers a preflight from an allowed origin with 204 and the CORS headers', async () => {
    const started = await startHub({ origins: ['app.example.com:443'] });
    hub = started.hub;
    const answer = await exchange(started.port, {
      method: 'OPTIONS',
      path: '/?transport=sse',
      headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, last-event-id' },
    });
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
    expect(answer.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect(answer.headers['access-control-allow-headers']).toBe('content-type, last-event-id');
    expect(hub.size).toBe(0);
  });

  it('refuses a stream from a wrong origin with 403 and creates no session', async () => {
    const started = await startHub({ origins: ['app.example.com:443'] });
    hub = started.hub;
    const answer = await exchange(started.port, { headers: { Accept: 'text/event-stream', Origin: 'https://evil.example' } });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'ERR_ORIGIN' });
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await exchange(started.port, { method: 'OPTIONS', path: '/?transport=sse', headers: { Origin: 'https://evil.example' } });
    expect(preflight.status).toBe(403);
    expect(hub.size).toBe(0);
  });

  it('gives a stream from an allowed origin Access-Control-Allow-Origin and credentials', async () => {
    const started = await startHub({ origins: ['app.example.com:443'] });
    hub = started.hub;
    const stream = await openStream(started.port, '/', { Origin: ALLOWED });
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(stream.headers['access-control-allow-credentials']).toBe('true');
    expect(stream.headers['access-control-expose-headers']).toContain('X-Grappler-Session');
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(hub.size).toBe(1);
  });
});
