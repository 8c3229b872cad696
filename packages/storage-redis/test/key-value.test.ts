import { randomUUID } from 'node:crypto';
import type { Storage } from '@grappler/core';
import { startRedis, type TestRedis } from '@grappler/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisStorage } from '../src/index';

let redis: TestRedis;
let admin: Redis;
const opened: Storage[] = [];
const open = (options: { maxKeysPerClient?: number } = {}): Storage => {
  const storage = redisStorage({ url: redis.url, keyPrefix: 'kv-test:', ...options });
  opened.push(storage);
  return storage;
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

describe('RedisKeyValueStore', () => {
  it('stores each value as JSON text under <prefix>kv:<id>:<key>, with its TTL as Redis expiry', async () => {
    const id = randomUUID();
    const store = open().clientStore(id);
    await store.set('profile', { name: 'ada', tags: ['x'] }, { ttlMs: 60_000 });
    expect(await admin.get(`kv-test:kv:${id}:profile`)).toBe('{"name":"ada","tags":["x"]}');
    const left = await admin.pttl(`kv-test:kv:${id}:profile`);
    expect(left).toBeGreaterThan(50_000);
    expect(left).toBeLessThanOrEqual(60_000);
  });

  it('keeps an index of the client key names scored by expiry, +inf for none', async () => {
    const id = randomUUID();
    const store = open().clientStore(id);
    await store.set('a', 1);
    await store.set('b', 1, { ttlMs: 60_000 });
    // Lowest score first: b expires, a does not.
    const [first, scoreB, second, scoreA] = await admin.zrange(`kv-test:keys:${id}`, '0', '-1', 'WITHSCORES');
    expect([first, second, scoreA]).toEqual(['b', 'a', 'inf']);
    expect(Number(scoreB) - Date.now()).toBeGreaterThan(50_000);
    await store.del('a');
    expect(await admin.zrange(`kv-test:keys:${id}`, '0', '-1')).toEqual(['b']);
  });

  it('drops expired names from the index on the next write, so it does not grow with expired keys', async () => {
    const id = randomUUID();
    const store = open().clientStore(id);
    for (let i = 0; i < 50; i++) await store.set(`nonce:${i}`, i, { ttlMs: 20 });
    await sleep(60);
    await store.set('kept', 1);
    expect(await admin.zrange(`kv-test:keys:${id}`, '0', '-1')).toEqual(['kept']);
  });

  it('rejects a new key past maxKeysPerClient with a RangeError naming the option', async () => {
    const storage = open({ maxKeysPerClient: 2 });
    const store = storage.clientStore(randomUUID());
    await store.set('a', 1);
    await store.incr('b');
    await expect(store.set('c', 1)).rejects.toThrow(RangeError);
    await expect(store.incr('c')).rejects.toMatchObject({
      message: 'maxKeysPerClient exceeded: 2',
      limit: 'maxKeysPerClient',
      max: 2,
    });
    await store.set('a', 'overwritten'); // existing keys can still change
    expect(await store.incr('b', 2)).toBe(3);
    await storage.clientStore(randomUUID()).set('c', 1); // other clients are unaffected
    await store.del('a');
    await store.set('c', 1);
    expect((await store.keys()).sort()).toEqual(['b', 'c']);
  });

  it('does not count expired keys against maxKeysPerClient', async () => {
    const store = open({ maxKeysPerClient: 2 }).clientStore(randomUUID());
    await store.set('a', 1, { ttlMs: 20 });
    await store.set('b', 1, { ttlMs: 20 });
    await sleep(60);
    await store.set('c', 1);
    expect(await store.keys()).toEqual(['c']);
  });

  it('rejects incr of what is not a safe integer with a TypeError, and past the safe range with a RangeError', async () => {
    const store = open().clientStore(randomUUID());
    for (const value of ['5', 1.5, 2 ** 60, { n: 1 }, null, true]) {
      await store.set('k', value);
      await expect(store.incr('k')).rejects.toThrow(new TypeError('incr: the value of "k" is not an integer'));
      expect(await store.get('k')).toEqual(value);
    }
    await store.set('k', Number.MAX_SAFE_INTEGER);
    await expect(store.incr('k')).rejects.toThrow(RangeError);
    expect(await store.get('k')).toBe(Number.MAX_SAFE_INTEGER);
    expect(await store.incr('k', -1)).toBe(Number.MAX_SAFE_INTEGER - 1);
    await expect(store.incr('k', 0.5)).rejects.toThrow(TypeError);
  });

  it('keeps the TTL through incr, as Redis INCRBY', async () => {
    const store = open().clientStore(randomUUID());
    await store.set('n', 1, { ttlMs: 60_000 });
    expect(await store.incr('n', 2)).toBe(3);
    expect(await store.ttl('n')).toBeGreaterThan(50_000);
  });

  it('deletes a key on expire with 0 or less, as PEXPIRE, and says whether it existed', async () => {
    const id = randomUUID();
    const store = open().clientStore(id);
    await store.set('k', 1);
    expect(await store.expire('k', 0)).toBe(true);
    expect(await store.ttl('k')).toBe(-2);
    expect(await store.expire('k', -5)).toBe(false);
    expect(await admin.exists(`kv-test:keys:${id}`)).toBe(0);
  });

  it('rejects bad input before sending anything, with the errors storage-memory uses', async () => {
    const store = open().clientStore(randomUUID());
    await expect(store.set('k', undefined)).rejects.toThrow(TypeError);
    await expect(store.set('k', 1n)).rejects.toThrow(TypeError);
    await expect(store.set('k', 1, { ttlMs: 0 })).rejects.toThrow(RangeError);
    await expect(store.set('k', 1, { ttlMs: Number.NaN })).rejects.toThrow(TypeError);
    await expect(store.expire('k', Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(await store.keys()).toEqual([]);
  });

  it('matches ? against one character (not one byte) and takes [, ] and \\ literally in keys()', async () => {
    const store = open().clientStore(randomUUID());
    for (const key of ['é', '🎉', 'ab', '[a]', 'a', 'x\\y', 'x*y']) await store.set(key, 1);
    expect((await store.keys('?')).sort()).toEqual(['a', 'é', '🎉'].sort());
    expect(await store.keys('[a]')).toEqual(['[a]']);
    expect(await store.keys('x\\*')).toEqual(['x\\y']);
    expect((await store.keys('x?y')).sort()).toEqual(['x*y', 'x\\y']);
  });

  it('rejects with ERR_STORAGE when a value is not JSON (written by another program)', async () => {
    const id = randomUUID();
    await admin.set(`kv-test:kv:${id}:raw`, 'not json');
    await expect(open().clientStore(id).get('raw')).rejects.toMatchObject({ name: 'GrapplerError', code: 'ERR_STORAGE' });
  });

  it('runs its scripts again after Redis forgot them (SCRIPT FLUSH)', async () => {
    const store = open().clientStore(randomUUID());
    await store.set('k', 1);
    await admin.script('FLUSH');
    expect(await store.incr('k')).toBe(2);
    expect(await store.keys()).toEqual(['k']);
  });
});
