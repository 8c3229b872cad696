import type { Hub } from '@grappler/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { LongpollBatch } from '../src/index';
import { Poller, request, startHub } from './start-hub';

describe('long-poll routing and CORS', () => {
  let hub: Hub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('answers a CORS preflight with 204 and the CORS headers', async () => {
    const started = await startHub({ origins: 'app.example:*' });
    hub = started.hub;
    const response = await fetch(started.url, {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.example:8080', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://app.example:8080');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(started.hub.size).toBe(0);
    await started.hub.close();
  });

  it('serves an allowed origin with CORS headers on every poll', async () => {
    const started = await startHub({ origins: 'app.example:*' });
    hub = started.hub;
    const headers = { Origin: 'http://app.example' };
    const created = await request<LongpollBatch>(started.url, { headers });
    expect(created.status).toBe(200);
    expect(created.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(created.headers.get('access-control-expose-headers')).toContain('X-Grappler-Session');
    started.hub.broadcast('hi');
    const url = new URL(started.url);
    url.searchParams.set('session', created.body.session);
    url.searchParams.set('seq', '0');
    const polled = await request<LongpollBatch>(url.href, { headers });
    expect(polled.body.messages).toEqual(['hi']);
    expect(polled.headers.get('access-control-allow-origin')).toBe('http://app.example');
    await started.hub.close();
  });

  it('refuses a wrong origin with 403 and creates no session', async () => {
    const started = await startHub({ origins: 'app.example:*' });
    hub = started.hub;
    const answer = await request(started.url, { headers: { Origin: 'http://evil.example' } });
    expect(answer).toMatchObject({ status: 403, body: { error: 'ERR_ORIGIN' } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(started.hub.size).toBe(0);
    await started.hub.close();
  });

  it('serves a mounted path with no query parameter, and leaves other requests to the application', async () => {
    const started = await startHub({ longpoll: { path: '/poll' }, pingInterval: 50 });
    hub = started.hub;
    const { poller } = await Poller.start(started);
    started.hub.broadcast('mounted');
    expect((await poller.poll()).body).toMatchObject({ session: poller.id, messages: ['mounted'] });
    expect((await fetch(`http://127.0.0.1:${started.port}/elsewhere?transport=longpoll`)).status).toBe(404);
    expect(started.requests()).toBe(2);
    await started.hub.close();
  });

  it('accepts the session id in the X-Grappler-Session header', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller } = await Poller.start(started);
    started.hub.broadcast('by header');
    const answer = await request<LongpollBatch>(`${started.url}&seq=0`, { headers: { 'X-Grappler-Session': poller.id } });
    expect(answer.body).toMatchObject({ session: poller.id, seq: 1, messages: ['by header'] });
    await started.hub.close();
  });
});
