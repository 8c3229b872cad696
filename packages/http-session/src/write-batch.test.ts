import { atTickEnd } from '@grappler/core';
import { closeServer, listen, waitUntil } from '@grappler/testkit';
import { once } from 'node:events';
import { type ServerResponse, createServer, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { writeBatch } from './write-batch';

describe('writeBatch', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Real streaming responses whose heads have gone out, and the bodies their clients have read so far. */
  async function openStreams(count: number): Promise<{ res: ServerResponse; body: () => string }[]> {
    const responses: ServerResponse[] = [];
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      responses.push(res);
    });
    const port = await listen(server);
    cleanups.push(() => closeServer(server));
    const streams = [];
    for (let index = 0; index < count; index++) {
      const req = request({ port, host: '127.0.0.1', path: '/' });
      req.end();
      const [incoming] = await once(req, 'response');
      let body = '';
      incoming.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      cleanups.push(() => void req.destroy());
      const res = responses[index]!;
      cleanups.push(() => void res.destroy());
      streams.push({ res, body: () => body });
    }
    return streams;
  }

  it('from the tick\'s end: holds each write until every listener has run, then sends them before the tick is over', async () => {
    const streams = await openStreams(2);
    const heldWhileRunning: number[] = [];
    for (const [index, { res }] of streams.entries()) {
      atTickEnd({
        tickEnded: () => {
          heldWhileRunning.push(streams[0]!.res.socket!.writableLength);
          writeBatch(res, `batch ${index}`);
        },
      });
    }
    // Queued after the tick's end and before anything it queues: res.write alone would still hold the
    // bytes here (a response uncorks its socket in a nextTick of its own).
    const afterRun = new Promise<number[]>((resolve) => process.nextTick(() => resolve(streams.map(({ res }) => res.socket!.writableLength))));
    expect(await afterRun).toEqual([0, 0]);
    expect(heldWhileRunning[0]).toBe(0);
    expect(heldWhileRunning[1]).toBeGreaterThan(0); // the first listener's batch, held while the second ran
    await waitUntil(() => streams.every(({ body }, index) => body() === `batch ${index}`), 'both bodies');
  });

  it('elsewhere is res.write', async () => {
    const { res, body } = (await openStreams(1))[0]!;
    writeBatch(res, 'plain');
    expect(res.socket!.writableCorked).toBe(1); // the response's own cork, until its nextTick
    await waitUntil(() => body() === 'plain', 'the body');
  });
});
