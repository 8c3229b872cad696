import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_LOG_DEFAULTS, type RedisLogOptions, resolveRedisLogOptions } from './log-options';

const url = 'redis://127.0.0.1:6379';
const client = new Redis({ lazyConnect: true });
afterAll(() => client.disconnect());

describe('resolveRedisLogOptions', () => {
  it("fills in the defaults, redisStorage's for the connection", () => {
    expect(resolveRedisLogOptions({ url })).toEqual({
      url,
      keyPrefix: 'grappler:',
      maxEntries: 10_000,
      maxAgeMs: 300_000,
      blockMs: 1000,
      connectTimeoutMs: 2000,
      commandTimeoutMs: 2000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      maxReconnectDelayMs: 1000,
    });
    expect(resolveRedisLogOptions({ client })).toEqual({ ...REDIS_LOG_DEFAULTS, client });
  });

  it('takes Infinity for maxEntries and maxAgeMs', () => {
    const resolved = resolveRedisLogOptions({ url, maxEntries: Number.POSITIVE_INFINITY, maxAgeMs: Number.POSITIVE_INFINITY });
    expect(resolved).toMatchObject({ maxEntries: Number.POSITIVE_INFINITY, maxAgeMs: Number.POSITIVE_INFINITY });
  });

  it.each([
    ['maxEntries', 0],
    ['maxEntries', 2.5],
    ['maxAgeMs', -1],
    ['maxAgeMs', 0.5],
    ['blockMs', 0],
    ['blockMs', Number.POSITIVE_INFINITY],
    ['blockMs', 2 ** 31],
    ['commandTimeoutMs', 0],
    ['keyPrefix', null],
  ])('throws a TypeError naming %s for %s', (name, value) => {
    const options = { url, [name]: value } as RedisLogOptions;
    expect(() => resolveRedisLogOptions(options)).toThrow(new RegExp(`^redisLog option "${name}" must be`));
  });

  it('refuses unknown options, neither or both targets, and connection options next to client', () => {
    expect(() => resolveRedisLogOptions({ url, maxKeysPerClient: 1 } as RedisLogOptions)).toThrow(
      new TypeError('unknown redisLog option "maxKeysPerClient"'),
    );
    expect(() => resolveRedisLogOptions({})).toThrow(new TypeError('redisLog needs exactly one of "url" and "client"'));
    expect(() => resolveRedisLogOptions({ client, commandTimeoutMs: 5 })).toThrow(/applies only to a connection/);
    expect(resolveRedisLogOptions({ client, blockMs: 50, maxEntries: 5 })).toMatchObject({ blockMs: 50, maxEntries: 5 });
  });
});
