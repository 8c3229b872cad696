import type { Redis } from 'ioredis';
import {
  type ConnectionOption,
  MAX_TIMER_MS,
  type OptionCheck,
  REDIS_STORAGE_DEFAULTS,
  type RedisStorageOptions,
  resolveOptions,
  SHARED_CHECKS,
} from './options';

/**
 * Options of `redisLog()`: where Redis is, the prefix of its keys, how much of the log Redis keeps
 * (by count and by age), how long one blocking read waits, and the connection options that
 * `redisStorage()` has too (with the same defaults).
 */
export interface RedisLogOptions extends Pick<RedisStorageOptions, 'keyPrefix' | ConnectionOption> {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). Exactly one of `url` and `client`. */
  readonly url?: string;
  /**
   * An ioredis client to use instead of opening a connection; `close()` leaves it open. The
   * subscriber always reads on a duplicate of it, which `close()` does close.
   */
  readonly client?: Redis;
  /**
   * About how many entries the log keeps: each append trims the oldest past it, in whole blocks of
   * the stream (`XADD … MAXLEN ~`), so a few dozen more may stay. `Infinity` = no count limit.
   * @default 10_000
   */
  readonly maxEntries?: number;
  /**
   * How long an entry stays at least, in milliseconds: older ones are trimmed by later appends
   * (within a sixteenth of it), and a log nobody appends to for this long is dropped whole (the
   * numbering goes on). `Infinity` = no age limit.
   * @default 300_000
   */
  readonly maxAgeMs?: number;
  /**
   * How long the subscriber's read waits in Redis for new entries (`XREAD BLOCK`) before it asks
   * again; it also bounds how long a Redis that lost the log can go unnoticed. `close()` does not
   * wait for it.
   * @default 1000
   */
  readonly blockMs?: number;
}

/** The named settings of {@link RedisLogOptions}, all present. */
export type RedisLogSettings = Required<Omit<RedisLogOptions, 'url' | 'client'>>;

/** {@link RedisLogOptions} with every default filled in; exactly one of `url` and `client` is set. */
export type ResolvedRedisLogOptions = Readonly<RedisLogSettings & Pick<RedisLogOptions, 'url' | 'client'>>;

/**
 * 10,000 entries and five minutes cover a client reconnecting after a network change or a node
 * restart, at a memory cost Redis bears easily for small messages; a one-second read keeps the
 * idle cost to one small command per node per second. The connection options are
 * `redisStorage()`'s.
 */
export const REDIS_LOG_DEFAULTS: Readonly<RedisLogSettings> = Object.freeze({
  keyPrefix: REDIS_STORAGE_DEFAULTS.keyPrefix,
  maxEntries: 10_000,
  maxAgeMs: 300_000,
  blockMs: 1000,
  connectTimeoutMs: REDIS_STORAGE_DEFAULTS.connectTimeoutMs,
  commandTimeoutMs: REDIS_STORAGE_DEFAULTS.commandTimeoutMs,
  maxRetriesPerRequest: REDIS_STORAGE_DEFAULTS.maxRetriesPerRequest,
  enableOfflineQueue: REDIS_STORAGE_DEFAULTS.enableOfflineQueue,
  maxReconnectDelayMs: REDIS_STORAGE_DEFAULTS.maxReconnectDelayMs,
});

/** Half of Node's longest timer: the subscriber's timeout is a read's wait plus `commandTimeoutMs`. */
const MAX_BLOCK_MS = Math.floor(MAX_TIMER_MS / 2);

const CHECKS: Readonly<Record<keyof RedisLogSettings, OptionCheck>> = {
  ...SHARED_CHECKS,
  maxEntries: {
    test: (value) => value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && (value as number) > 0),
    expected: 'a positive integer or Infinity',
  },
  maxAgeMs: {
    test: (value) => value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && (value as number) > 0),
    expected: 'a positive whole number of milliseconds or Infinity',
  },
  blockMs: {
    test: (value) => Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= MAX_BLOCK_MS,
    expected: `a positive whole number of milliseconds up to ${MAX_BLOCK_MS}`,
  },
};

/**
 * Merges `options` over {@link REDIS_LOG_DEFAULTS}: a TypeError for an unknown key, a value out of
 * range, neither or both of `url` and `client`, or a connection option next to `client`.
 */
export function resolveRedisLogOptions(options: RedisLogOptions): ResolvedRedisLogOptions {
  return resolveOptions('redisLog', REDIS_LOG_DEFAULTS, CHECKS, options) as ResolvedRedisLogOptions;
}
