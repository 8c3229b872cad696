import type { Hub } from '@grappler/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Poller, request, startHub } from './start-hub';

describe('messages POSTed by a long-poll client', () => {
  let hub: Hub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('delivers text/plain and JSON arrays as message events on the same Client, in order', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    const messages: unknown[] = [];
    client.on('message', (data) => messages.push(data));
    expect((await poller.post('plain text é')).status).toBe(204);
    expect((await poller.post('["one","two","three"]', 'application/json')).status).toBe(204);
    expect((await poller.post('"a JSON string"', 'application/json; charset=utf-8')).status).toBe(204);
    expect(messages).toEqual(['plain text é', 'one', 'two', 'three', 'a JSON string']);
    expect(started.hub.size).toBe(1);
    await started.hub.close();
  });

  it('delivers numbered messages once when a POST is retried (?up=), and says how far it got', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    const messages: unknown[] = [];
    client.on('message', (data) => messages.push(data));
    const post = (up: number, body: string[]) =>
      request(`${poller.url()}&up=${up}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    const first = await post(1, ['a', 'b']);
    expect(first.status).toBe(204);
    expect(first.headers.get('x-grappler-up')).toBe('2');
    // The answer was lost on the way: the client sends the same batch again, then the next.
    expect((await post(1, ['a', 'b'])).headers.get('x-grappler-up')).toBe('2');
    expect((await post(3, ['c'])).headers.get('x-grappler-up')).toBe('3');
    expect(await post(9, ['i'])).toMatchObject({ status: 400, body: { error: 'ERR_BAD_REQUEST' } });
    expect(messages).toEqual(['a', 'b', 'c']);
    await started.hub.close();
  });

  it('answers a POST while a poll is held without disturbing the poll', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    client.on('message', (data) => client.write(`echo: ${String(data)}`));
    const held = poller.poll();
    await started.waitForRequests(2);
    expect((await poller.post('hi')).status).toBe(204);
    expect((await held).body).toMatchObject({ messages: ['echo: hi'] });
    await started.hub.close();
  });

  it('answers 413 for a body over maxBodyBytes', async () => {
    const started = await startHub({ limits: { maxBodyBytes: 8 } });
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    const messages: unknown[] = [];
    client.on('message', (data) => messages.push(data));
    expect(await poller.post('123456789')).toMatchObject({ status: 413, body: { error: 'ERR_MESSAGE_TOO_LARGE' } });
    expect((await poller.post('12345678')).status).toBe(204);
    expect(messages).toEqual(['12345678']);
    await started.hub.close();
  });

  it('answers 400 for malformed JSON and 415 for another Content-Type', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    const messages: unknown[] = [];
    client.on('message', (data) => messages.push(data));
    expect(await poller.post('["unterminated"', 'application/json')).toMatchObject({ status: 400, body: { error: 'ERR_BAD_REQUEST' } });
    expect(await poller.post('{"not":"strings"}', 'application/json')).toMatchObject({ status: 400 });
    expect(await poller.post('<x/>', 'application/xml')).toMatchObject({ status: 415, body: { error: 'ERR_BAD_REQUEST' } });
    expect(messages).toEqual([]);
    expect(client.closed).toBe(false);
    await started.hub.close();
  });

  it('answers 404 ERR_UNKNOWN_SESSION for a POST to an unknown session', async () => {
    const started = await startHub();
    hub = started.hub;
    const url = new URL(started.url);
    url.searchParams.set('session', 'no-such-session');
    const answer = await request(url.href, { method: 'POST', body: 'hello', headers: { 'Content-Type': 'text/plain' } });
    expect(answer).toMatchObject({ status: 404, body: { error: 'ERR_UNKNOWN_SESSION' } });
    expect(started.hub.size).toBe(0);
    await started.hub.close();
  });
});
