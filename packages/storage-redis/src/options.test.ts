import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_STORAGE_DEFAULTS, type RedisStorageOptions, resolveRedisStorageOptions } from './options';

const url = 'redis://127.0.0.1:6379';
// Never connected: lazyConnect, and disconnected after the tests.
const client = new Redis({ lazyConnect: true });
afterAll(() => client.disconnect());

describe('resolveRedisStorageOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveRedisStorageOptions({ url })).toEqual({
      url,
      keyPrefix: 'grappler:',
      maxKeysPerClient: 10_000,
      connectTimeoutMs: 2000,
      commandTimeoutMs: 2000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      maxReconnectDelayMs: 1000,
    });
    expect(resolveRedisStorageOptions({ client })).toEqual({ ...REDIS_STORAGE_DEFAULTS, client });
  });

  it('takes overrides, Infinity for maxKeysPerClient, an empty prefix, and skips undefined values', () => {
    const resolved = resolveRedisStorageOptions({
      url: 'rediss://user:secret@redis.example:6380/2',
      keyPrefix: '',
      maxKeysPerClient: Number.POSITIVE_INFINITY,
      commandTimeoutMs: 150,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeoutMs: undefined,
    } as unknown as RedisStorageOptions);
    expect(resolved).toMatchObject({ keyPrefix: '', commandTimeoutMs: 150, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    expect(resolved.maxKeysPerClient).toBe(Number.POSITIVE_INFINITY);
    expect(resolved.connectTimeoutMs).toBe(2000);
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it.each([
    ['keyPrefix', 5],
    ['maxKeysPerClient', 0],
    ['maxKeysPerClient', 1.5],
    ['connectTimeoutMs', 0],
    ['connectTimeoutMs', Number.POSITIVE_INFINITY],
    ['commandTimeoutMs', -1],
    ['commandTimeoutMs', 2 ** 31],
    ['commandTimeoutMs', '100'],
    ['maxRetriesPerRequest', -1],
    ['maxRetriesPerRequest', 0.5],
    ['maxRetriesPerRequest', null],
    ['enableOfflineQueue', 'no'],
    ['maxReconnectDelayMs', Number.NaN],
  ])('throws a TypeError naming %s for %s', (name, value) => {
    const options = { url, [name]: value } as RedisStorageOptions;
    expect(() => resolveRedisStorageOptions(options)).toThrow(new RegExp(`^redisStorage option "${name}" must be`));
    expect(() => resolveRedisStorageOptions(options)).toThrow(TypeError);
  });

  it('throws a TypeError for unknown keys, inherited names included', () => {
    for (const name of ['prefix', 'toString', 'constructor']) {
      expect(() => resolveRedisStorageOptions({ url, [name]: 1 } as RedisStorageOptions)).toThrow(
        new TypeError(`unknown redisStorage option "${name}"`),
      );
    }
  });

  it('needs exactly one of url and client', () => {
    const message = 'redisStorage needs exactly one of "url" and "client"';
    expect(() => resolveRedisStorageOptions({})).toThrow(new TypeError(message));
    expect(() => resolveRedisStorageOptions({ url, client })).toThrow(new TypeError(message));
  });

  it('refuses a url that is not redis:// or rediss://, and a client that is not an ioredis client', () => {
    expect(() => resolveRedisStorageOptions({ url: 'http://127.0.0.1:6379' })).toThrow(/"url" must be a redis:\/\//);
    expect(() => resolveRedisStorageOptions({ url: 6379 as unknown as string })).toThrow(TypeError);
    expect(() => resolveRedisStorageOptions({ client: {} as Redis })).toThrow(/"client" must be an ioredis client/);
  });

  it('refuses connection options next to client, where they would do nothing', () => {
    expect(() => resolveRedisStorageOptions({ client, commandTimeoutMs: 100 })).toThrow(
      new TypeError('redisStorage option "commandTimeoutMs" applies only to a connection opened from "url", not to "client"'),
    );
    expect(resolveRedisStorageOptions({ client, keyPrefix: 'x:', maxKeysPerClient: 3 }).maxKeysPerClient).toBe(3);
  });

  it('throws a TypeError for options that are not an object', () => {
    expect(() => resolveRedisStorageOptions(null as unknown as RedisStorageOptions)).toThrow(TypeError);
    expect(() => resolveRedisStorageOptions(undefined as unknown as RedisStorageOptions)).toThrow(TypeError);
  });
});
