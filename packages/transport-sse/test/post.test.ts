import type { Client, Hub } from '@grappler/core';
import { waitUntil } from '@grappler/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawStream, exchange, nextConnection, openStream, startHub } from './helpers';

describe('messages from the client (POST)', () => {
  let hub: Hub | undefined;
  const streams: RawStream[] = [];
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await hub?.close();
    hub = undefined;
  });

  /** A hub, one open stream, its session id and cookie, and the messages its Client receives. */
  async function connect(limits: Parameters<typeof startHub>[0] = {}) {
    const started = await startHub(limits);
    hub = started.hub;
    const connected = nextConnection(hub);
    const stream = await openStream(started.port);
    streams.push(stream);
    const client: Client = await connected;
    const received: (string | Uint8Array)[] = [];
    client.on('message', (data) => received.push(data));
    const session = String(stream.headers['x-grappler-session']);
    const setCookie = stream.headers['set-cookie']?.[0] ?? '';
    return { ...started, stream, client, received, session, cookie: setCookie.split(';', 1)[0]! };
  }

  it('takes text/plain and application/json bodies with ?session=, as message events on the same Client', async () => {
    const { port, session, received } = await connect();
    const plain = await exchange(port, {
      method: 'POST',
      path: `/?transport=sse&session=${session}`,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'hello\nworld é',
    });
    expect(plain.status).toBe(204);
    const json = await exchange(port, {
      method: 'POST',
      path: `/?transport=sse&session=${session}`,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(['a', 'b', 'c']),
    });
    expect(json.status).toBe(204);
    await waitUntil(() => received.length === 4, 'four messages');
    expect(received).toEqual(['hello\nworld é', 'a', 'b', 'c']);
  });

  it('finds the session from the id in the event ids too', async () => {
    const { port, stream, session, received } = await connect();
    hub!.broadcast('x');
    const [event] = await stream.waitForEvents(1);
    const fromId = event!.lastEventId.split('.')[0];
    expect(fromId).toBe(session);
    const answer = await exchange(port, { method: 'POST', path: `/?transport=sse&session=${fromId}`, headers: { 'Content-Type': 'text/plain' }, body: 'via the id' });
    expect(answer.status).toBe(204);
    await waitUntil(() => received.length === 1, 'the message');
    expect(received).toEqual(['via the id']);
  });

  it('finds the session from the cookie set on the stream', async () => {
    const { port, cookie, session, received } = await connect();
    expect(cookie).toBe(`grappler.sid=${session}`);
    const answer = await exchange(port, {
      method: 'POST',
      path: '/?transport=sse',
      headers: { 'Content-Type': 'application/json', Cookie: `other=1; ${cookie}` },
      body: '"by cookie"',
    });
    expect(answer.status).toBe(204);
    await waitUntil(() => received.length === 1, 'the message');
    expect(received).toEqual(['by cookie']);
  });

  it('refuses a body over maxBodyBytes with 413 and delivers nothing', async () => {
    const { port, session, received } = await connect({ limits: { maxBodyBytes: 16 } });
    const answer = await exchange(port, { method: 'POST', path: `/?transport=sse&session=${session}`, headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(17) });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'ERR_MESSAGE_TOO_LARGE' });
    const fits = await exchange(port, { method: 'POST', path: `/?transport=sse&session=${session}`, headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(16) });
    expect(fits.status).toBe(204);
    await waitUntil(() => received.length === 1, 'the message that fits');
    expect(received).toEqual(['x'.repeat(16)]);
  });

  it.each([
    ['malformed JSON', 'application/json', '["a", ', 400, 'ERR_BAD_REQUEST'],
    ['JSON that is not strings', 'application/json', '[1, 2]', 400, 'ERR_BAD_REQUEST'],
    ['another content type', 'application/x-www-form-urlencoded', 'a=b', 415, 'ERR_BAD_REQUEST'],
  ])('answers %s with %i', async (_name, type, body, status, error) => {
    const { port, session, received } = await connect();
    const answer = await exchange(port, { method: 'POST', path: `/?transport=sse&session=${session}`, headers: { 'Content-Type': type }, body });
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toMatchObject({ error });
    expect(received).toEqual([]);
  });

  it('answers a POST for an unknown session with 404 ERR_UNKNOWN_SESSION', async () => {
    const { port } = await connect();
    for (const path of [`/?transport=sse&session=${'A'.repeat(24)}`, '/?transport=sse']) {
      const answer = await exchange(port, { method: 'POST', path, headers: { 'Content-Type': 'text/plain' }, body: 'lost' });
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'ERR_UNKNOWN_SESSION' });
    }
  });
});
