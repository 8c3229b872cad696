import type { Client, GrapplerError, Hub } from '@grappler/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Poller, request, startHub } from './start-hub';

describe('long-poll sessions', () => {
  let hub: Hub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('ends the first of two concurrent polls cleanly, and the second gets the data', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller } = await Poller.start(started);
    const first = poller.poll(0);
    await started.waitForRequests(2);
    const second = poller.poll(0);
    expect(await first).toMatchObject({ status: 200, body: { session: poller.id, seq: 0, messages: [] } });
    await started.waitForRequests(3);
    started.hub.broadcast('for the second');
    expect(await second).toMatchObject({ status: 200, body: { session: poller.id, seq: 1, messages: ['for the second'] } });
    await started.hub.close();
  });

  it('answers a held poll 410 ERR_SESSION_CLOSED when the server closes the client, then 404', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    const closed = new Promise((resolve) => client.once('close', resolve));
    const held = poller.poll();
    await started.waitForRequests(2);
    client.close();
    const answer = await held;
    expect(answer.status).toBe(410);
    expect(answer.body).toMatchObject({ error: 'ERR_SESSION_CLOSED' });
    expect(await closed).toMatchObject({ code: 1000 });
    expect(await poller.poll()).toMatchObject({ status: 404, body: { error: 'ERR_UNKNOWN_SESSION' } });
    expect(started.hub.size).toBe(0);
    await started.hub.close();
  });

  it('delivers what was written just before a close, on the held poll or on the next one', async () => {
    const started = await startHub();
    hub = started.hub;
    const held = await Poller.start(started);
    const waiting = held.poller.poll();
    await started.waitForRequests(2);
    held.client.write('bye while held');
    held.client.close();
    expect(await waiting).toMatchObject({ status: 200, body: { messages: ['bye while held'] } });

    const between = await Poller.start(started);
    const closed = new Promise((resolve) => between.client.once('close', resolve));
    between.client.write('bye between polls');
    between.client.close();
    expect(between.client.closed).toBe(false);
    expect(await between.poller.poll()).toMatchObject({ status: 200, body: { messages: ['bye between polls'] } });
    expect(await closed).toMatchObject({ code: 1000 });
    expect(await between.poller.poll()).toMatchObject({ status: 404, body: { error: 'ERR_UNKNOWN_SESSION' } });
    await started.hub.close();
  });

  it('answers held polls 410 when the hub closes, and leaves nothing open', async () => {
    const started = await startHub();
    hub = started.hub;
    const { poller } = await Poller.start(started);
    const held = poller.poll();
    await started.waitForRequests(2);
    await started.hub.close();
    expect(await held).toMatchObject({ status: 410, body: { error: 'ERR_SESSION_CLOSED' } });
  });

  it('expires a client that stops polling, then answers its poll 404 ERR_UNKNOWN_SESSION', async () => {
    const started = await startHub({ limits: { sessionIdleMs: 200 }, pingInterval: 50 });
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    const errors: GrapplerError[] = [];
    client.on('error', (error) => errors.push(error));
    const reason = await new Promise((resolve) => client.once('close', resolve));
    expect(reason).toMatchObject({ code: 1001, error: { code: 'ERR_SESSION_EXPIRED' } });
    expect(errors.map((error) => error.code)).toEqual(['ERR_SESSION_EXPIRED']);
    expect(started.hub.size).toBe(0);
    const answer = await poller.poll();
    expect(answer).toMatchObject({ status: 404, body: { error: 'ERR_UNKNOWN_SESSION' } });
    await started.hub.close();
  });

  it('keeps a client that keeps polling past sessionIdleMs', async () => {
    const started = await startHub({ limits: { sessionIdleMs: 200 }, pingInterval: 50 });
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    const since = Date.now();
    while (Date.now() - since < 600) expect((await poller.poll()).status).toBe(200);
    expect(client.closed).toBe(false);
    await started.hub.close();
  });

  it('closes a client that never polls with ERR_BUFFER_FULL while another keeps receiving', async () => {
    const started = await startHub({ limits: { maxBufferedBytes: 1024 } });
    hub = started.hub;
    const idle = await Poller.start(started);
    const active = await Poller.start(started);
    const errors: GrapplerError[] = [];
    idle.client.on('error', (error) => errors.push(error));
    const idleClosed = new Promise((resolve) => idle.client.once('close', resolve));
    const message = (n: number) => `${String(n).padStart(3, '0')}${'.'.repeat(97)}`;
    for (let n = 0; n < 20; n += 1) {
      const requests = started.requests();
      const held = active.poller.poll();
      await started.waitForRequests(requests + 1);
      started.hub.broadcast(message(n));
      await held;
    }
    await idleClosed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_BUFFER_FULL', limit: 'maxBufferedBytes', max: 1024 });
    expect(active.poller.received).toEqual(Array.from({ length: 20 }, (_, n) => message(n)));
    expect(active.client.closed).toBe(false);
    expect(started.hub.map((client: Client) => client.id)).toEqual([active.client.id]);
    expect(await idle.poller.poll()).toMatchObject({ status: 404, body: { error: 'ERR_UNKNOWN_SESSION' } });
    await started.hub.close();
  });

  it('returns false from write past highWaterMarkBytes between polls, and emits drain when a poll takes the queue', async () => {
    const started = await startHub({ limits: { highWaterMarkBytes: 100 } });
    hub = started.hub;
    const { poller, client } = await Poller.start(started);
    expect(client.write('x'.repeat(50))).toBe(true);
    expect(client.write('y'.repeat(60))).toBe(false);
    const drained = new Promise<void>((resolve) => client.once('drain', resolve));
    const answer = await poller.poll();
    await drained;
    expect(answer.body.messages).toEqual(['x'.repeat(50), 'y'.repeat(60)]);
    await started.hub.close();
  });

  it('answers a poll for a session that never existed 404 ERR_UNKNOWN_SESSION', async () => {
    const started = await startHub();
    hub = started.hub;
    const url = new URL(started.url);
    url.searchParams.set('session', 'no-such-session');
    const answer = await request(url.href);
    expect(answer).toMatchObject({ status: 404, body: { error: 'ERR_UNKNOWN_SESSION' } });
    expect(started.hub.size).toBe(0);
    await started.hub.close();
  });
});
