import type { Hub } from '@grappler/core';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { LongpollBatch } from '../src/index';
import { Poller, request, startHub } from './start-hub';

describe('long-poll delivery', () => {
  let hub: Hub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('answers a request without a session at once with the new session id', async () => {
    const started = await startHub();
    hub = started.hub;
    const connected = new Promise((resolve) => started.hub.once('connection', resolve));
    const answer = await request<LongpollBatch>(started.url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({ session: expect.stringMatching(/^[\w-]{16,}$/), seq: 0, messages: [] });
    expect(answer.headers.get('x-grappler-session')).toBe(answer.body.session);
    expect(answer.headers.get('set-cookie')).toContain(`grappler.sid=${answer.body.session}`);
    await connected;
    expect(started.hub.size).toBe(1);
    expect(started.hub.map((client) => client.transport)).toEqual(['longpoll']);
    await started.hub.close();
  });

  it('completes a waiting poll with a broadcast, text and binary', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller } = await Poller.start(started);
    const polled = poller.poll();
    await started.waitForRequests(2);
    started.hub.broadcast('hello');
    started.hub.broadcast(Uint8Array.from([0, 1, 255]));
    const answer = await polled;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ session: poller.id, seq: 2, messages: ['hello', { base64: 'AAH/' }] });
    await started.hub.close();
  });

  it('delivers what was written while no poll was open on the next poll, in order, exactly once', async () => {
    const started = await startHub({ pingInterval: 50 });
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    client.write('one');
    started.hub.broadcast('two');
    client.write('three');
    const first = await poller.poll();
    expect(first.body).toEqual({ session: poller.id, seq: 3, messages: ['one', 'two', 'three'] });
    // The next poll acknowledges them: it is held, and ends empty after about pingInterval.
    const second = await poller.poll();
    expect(second.body).toEqual({ session: poller.id, seq: 3, messages: [] });
    expect(poller.received).toEqual(['one', 'two', 'three']);
    await started.hub.close();
  });

  it('sends everything queued in one response, and a burst written in one tick in one response', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller } = await Poller.start(started);
    for (let n = 0; n < 50; n += 1) started.hub.broadcast(`queued ${n}`);
    const queued = await poller.poll();
    expect(queued.body.messages).toHaveLength(50);
    expect(queued.body.seq).toBe(50);
    const held = poller.poll();
    await started.waitForRequests(3);
    for (let n = 0; n < 20; n += 1) started.hub.broadcast(`burst ${n}`);
    const burst = await held;
    expect(burst.body.messages).toEqual(Array.from({ length: 20 }, (_, n) => `burst ${n}`));
    expect(burst.body.seq).toBe(70);
    await started.hub.close();
  });

  it('loses and duplicates nothing across 100 polls while the server writes continuously', async () => {
    const started = await startHub({ pingInterval: 50 });
    hub = started.hub;
    const { poller } = await Poller.start(started);
    let written = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop && written < 50_000) {
        started.hub.broadcast(String(written));
        written += 1;
        await yieldToIo();
      }
    })();
    for (let n = 0; n < 100; n += 1) {
      const answer = await poller.poll();
      expect(answer.status).toBe(200);
    }
    stop = true;
    await writer;
    expect(written).toBeGreaterThan(0);
    const received = await poller.pollUntil(written);
    expect(received).toEqual(Array.from({ length: written }, (_, n) => String(n)));
    await started.hub.close();
  });

  it('re-delivers exactly the unacknowledged messages when a response was lost', async () => {
    const started = await startHub({ pingInterval: 50 });
    hub = started.hub;
    const { poller } = await Poller.start(started);
    for (const text of ['a', 'b', 'c']) started.hub.broadcast(text);
    const lost = await poller.poll(0);
    expect(lost.body).toMatchObject({ seq: 3, messages: ['a', 'b', 'c'] });
    // The client never saw that response: it polls again from seq 0 and gets the same three.
    started.hub.broadcast('d');
    const again = await poller.poll(0);
    expect(again.body).toMatchObject({ seq: 4, messages: ['a', 'b', 'c', 'd'] });
    // It saw up to b of that one (seq 2): only c and d come again, then e.
    started.hub.broadcast('e');
    const partly = await poller.poll(2);
    expect(partly.body).toMatchObject({ seq: 5, messages: ['c', 'd', 'e'] });
    // seq 5 acknowledges everything: nothing comes twice.
    const acknowledged = await poller.poll(5);
    expect(acknowledged.body).toMatchObject({ seq: 5, messages: [] });
    await started.hub.close();
  });

  it('re-delivers what went to a poll the client abandoned', async () => {
    const started = await startHub({ pingInterval: 50 });
    hub = started.hub;
    const { poller } = await Poller.start(started);
    const abort = new AbortController();
    const abandoned = poller.poll(0, { signal: abort.signal }).catch((error: unknown) => error);
    await started.waitForRequests(2);
    abort.abort();
    await abandoned;
    started.hub.broadcast('after the abort');
    const answer = await poller.poll(0);
    expect(answer.body).toMatchObject({ seq: 1, messages: ['after the abort'] });
    await started.hub.close();
  });

  it('keeps what is written while a large answer is still being read, for the next poll', async () => {
    const started = await startHub({ limits: { maxBufferedBytes: 64 << 20 } });
    hub = started.hub;
    const { poller } = await Poller.start(started);
    const big = 'x'.repeat(8 << 20);
    const response = fetch(poller.url(0));
    await started.waitForRequests(2);
    started.hub.broadcast(big);
    const head = await response;
    // The answer is still being flushed: these reach the poll after it has answered.
    for (let n = 0; n < 20; n += 1) {
      started.hub.broadcast(String(n));
      await yieldToIo();
    }
    const batch = (await head.json()) as LongpollBatch;
    expect(batch.seq).toBe(1);
    expect(batch.messages).toEqual([big]);
    poller.seq = batch.seq;
    expect(await poller.pollUntil(20)).toEqual(Array.from({ length: 20 }, (_, n) => String(n)));
    await started.hub.close();
  });

  it('a poll without seq acknowledges everything sent before', async () => {
    const started = await startHub({ pingInterval: 50 });
    hub = started.hub;
    const { poller } = await Poller.start(started);
    started.hub.broadcast('x');
    await poller.poll(0);
    started.hub.broadcast('y');
    const answer = await poller.poll(undefined);
    expect(answer.body).toMatchObject({ seq: 2, messages: ['y'] });
    await started.hub.close();
  });

  it('answers an empty poll after about pingInterval', async () => {
    const started = await startHub({ pingInterval: 50 });
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    const answer = await poller.poll();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ session: poller.id, seq: 0, messages: [] });
    expect(client.closed).toBe(false);
    await started.hub.close();
  });

  it('keeps 1,000 broadcasts in order', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller } = await Poller.start(started);
    const held = poller.poll();
    await started.waitForRequests(2);
    for (let n = 0; n < 500; n += 1) started.hub.broadcast(`m${n}`);
    await held;
    for (let n = 500; n < 1000; n += 1) started.hub.broadcast(`m${n}`);
    expect(await poller.pollUntil(1000)).toEqual(Array.from({ length: 1000 }, (_, n) => `m${n}`));
    expect(poller.seq).toBe(1000);
    await started.hub.close();
  });
});
