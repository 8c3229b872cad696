import { listen, waitUntil } from '@grappler/testkit';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub } from '../src/index';
import { openLines } from './line-client';
import { lineFormat, lineTransport } from './line-transport';

const PING_INTERVAL = 1_000;
const CLIENTS = 40;

describe('Hub heartbeat', () => {
  const sockets: Socket[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('visits every client once per pingInterval, spread over the interval rather than in one burst', async () => {
    const hub = createHub({ pingInterval: PING_INTERVAL, transports: [lineTransport(lineFormat('plain'), '/lines', 'beat')] });
    const server = createServer();
    hub.attach(server);
    cleanups.push(() => hub.close());
    const port = await listen(server);
    const beats: number[][] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const { socket } = await openLines(port, '/lines');
      const times: number[] = [];
      beats.push(times);
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line === 'beat') times.push(performance.now());
      });
      sockets.push(socket);
    }
    await waitUntil(() => hub.size === CLIENTS, 'every client attached');
    await waitUntil(() => beats.every((times) => times.length >= 2), 'two beats for every client', 4 * PING_INTERVAL);

    // Spread: the first beats of forty clients span most of an interval (all at once before).
    const firsts = beats.map((times) => times[0]!);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(PING_INTERVAL / 2);
    // Still once per interval for each client.
    for (const times of beats) {
      const gap = times[1]! - times[0]!;
      expect(gap).toBeGreaterThan(0.7 * PING_INTERVAL);
      expect(gap).toBeLessThan(1.5 * PING_INTERVAL);
    }
  });
});
