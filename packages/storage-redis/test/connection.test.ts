import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Storage } from '@grappler/core';
import { isGrapplerError } from '@grappler/core';
import { startRedis, type TestRedis } from '@grappler/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisStorageOptions, redisStorage } from '../src/index';

let redis: TestRedis;
const opened: Storage[] = [];
const open = (options: Omit<RedisStorageOptions, 'url' | 'client'> & { url?: string } = {}): Storage => {
  const storage = redisStorage({ url: redis.url, keyPrefix: 'faults:', ...options });
  opened.push(storage);
  return storage;
};
const record = (id: string) => ({ id, node: 'n', transport: 'sse', remoteAddress: '127.0.0.1', connectedAt: 0 });

/** How a call settles and how long it took. */
const timed = async (call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> => {
  const started = performance.now();
  try {
    await call();
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
};
const expectStorageError = (error: unknown, operation: string): void => {
  expect(isGrapplerError(error)).toBe(true);
  expect(error).toMatchObject({ code: 'ERR_STORAGE', message: expect.stringContaining(`${operation} failed`) });
  expect((error as Error).cause).toBeInstanceOf(Error);
};
/** Retries `call` every 50 ms until it resolves; rejects with its last error after `timeoutMs`. */
const eventually = async <T>(call: () => Promise<T>, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});
afterAll(async () => {
  await redis?.stop();
});

describe('a Redis that is down or stalled', () => {
  it('rejects with ERR_STORAGE within commandTimeoutMs when Redis was never there', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as { port: number };
    probe.close(); // nothing listens on this port now
    const storage = open({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300, connectTimeoutMs: 300 });
    for (const [operation, call] of [
      ['countClients', () => storage.countClients()],
      ['get', () => storage.clientStore('a').get('k')],
      ['set', () => storage.clientStore('a').set('k', 1)],
    ] as const) {
      const { error, ms } = await timed(call);
      expectStorageError(error, operation);
      expect(ms).toBeLessThan(1_500);
    }
    const { error } = await timed(() => storage.countClients());
    expect((error as Error).message).toMatch(/Redis unreachable: .*ECONNREFUSED/);
    expect(((error as Error).cause as Error).message).not.toMatch(/unreachable/); // ioredis's own error
  });

  it('rejects with ERR_STORAGE within the bound after Redis stops, and works again after it restarts', async () => {
    const storage = open({ commandTimeoutMs: 400, maxReconnectDelayMs: 100 });
    const id = randomUUID();
    await storage.addClient(record(id));
    await redis.stop();
    try {
      const calls = await Promise.all([
        timed(() => storage.addClient(record(randomUUID()))),
        timed(() => storage.countClients()),
        timed(() => storage.clientStore(id).incr('n')),
        timed(() => storage.clientStore(id).keys()),
        timed(() => storage.removeClient(id)),
      ]);
      for (const [i, operation] of ['addClient', 'countClients', 'incr', 'keys', 'removeClient'].entries()) {
        expectStorageError(calls[i]!.error, operation);
        expect(calls[i]!.ms).toBeLessThan(2_000);
      }
    } finally {
      await redis.restart();
    }
    // The restarted Redis is empty (no persistence): the storage reconnects by itself and carries on.
    expect(await eventually(() => storage.countClients(), 5_000)).toBe(0);
    await storage.clientStore(id).set('k', 'again');
    expect(await storage.clientStore(id).incr('n')).toBe(1);
    expect(await storage.clientStore(id).keys()).toHaveLength(2);
  });

  it('rejects at once while disconnected when enableOfflineQueue is false', async () => {
    const storage = open({ enableOfflineQueue: false, commandTimeoutMs: 5_000, maxReconnectDelayMs: 100 });
    await eventually(() => storage.countClients(), 5_000);
    await redis.stop();
    try {
      const { error, ms } = await timed(() => storage.countClients());
      expectStorageError(error, 'countClients');
      expect(ms).toBeLessThan(500);
    } finally {
      await redis.restart();
    }
    expect(await eventually(() => storage.countClients(), 5_000)).toBe(0);
  });

  it('rejects with ERR_STORAGE after commandTimeoutMs when Redis holds the reply (CLIENT PAUSE)', async () => {
    const storage = open({ commandTimeoutMs: 200 });
    await storage.countClients();
    const admin = new Redis(redis.url);
    try {
      await admin.client('PAUSE', '1500', 'ALL');
      const { error, ms } = await timed(() => storage.clientStore('a').set('k', 1));
      expectStorageError(error, 'set');
      expect(((error as Error).cause as Error).message).toMatch(/timed out/i);
      expect(ms).toBeGreaterThanOrEqual(150);
      expect(ms).toBeLessThan(1_000);
      await admin.client('UNPAUSE');
      expect(await eventually(() => storage.clientStore('a').incr('after-pause'), 3_000)).toBe(1);
    } finally {
      admin.disconnect();
    }
  });
});
