import type { Redis } from 'ioredis';

/**
 * Options of `redisStorage()`: where Redis is (`url`, or an ioredis `client` you already have),
 * the prefix of every key, and named limits with their unit in the name. The connection options
 * apply to the connection `redisStorage()` opens from `url`; a `client` you pass keeps its own.
 */
export interface RedisStorageOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). Exactly one of `url` and `client`. */
  readonly url?: string;
  /** An ioredis client to use instead of opening a connection; `close()` leaves it open. */
  readonly client?: Redis;
  /**
   * Put in front of every key this storage writes, so that several apps (or a test and an app)
   * can share one Redis database.
   * @default 'grappler:'
   */
  readonly keyPrefix?: string;
  /**
   * How many keys one client may hold (expired keys do not count). `set` or `incr` of a new key
   * past it rejects with a `RangeError` (`maxKeysPerClient exceeded: 10000`). `Infinity` = unlimited.
   * @default 10_000
   */
  readonly maxKeysPerClient?: number;
  /**
   * How long one attempt to connect (TCP, TLS and the first handshake) may take before it is
   * abandoned and retried.
   * @default 2000
   */
  readonly connectTimeoutMs?: number;
  /**
   * The longest any call waits for Redis, including time spent waiting for a connection. Past it
   * the call rejects with `ERR_STORAGE` (cause: `Command timed out`).
   * @default 2000
   */
  readonly commandTimeoutMs?: number;
  /**
   * How many reconnections a command already sent survives when the connection drops before it
   * is rejected with `ERR_STORAGE` (ioredis's option of the same name; its default is 20).
   * @default 1
   */
  readonly maxRetriesPerRequest?: number;
  /**
   * Whether calls made while the connection is down wait for it (bounded by `commandTimeoutMs`).
   * `false`: they reject with `ERR_STORAGE` at once, and so do calls made before the first
   * connection is ready.
   * @default true
   */
  readonly enableOfflineQueue?: boolean;
  /**
   * The longest pause between two reconnection attempts; the pause doubles from 50 ms up to this,
   * for as long as Redis stays away.
   * @default 1000
   */
  readonly maxReconnectDelayMs?: number;
}

/** The named settings of {@link RedisStorageOptions}, all present. */
export type RedisStorageSettings = Required<Omit<RedisStorageOptions, 'url' | 'client'>>;

/** {@link RedisStorageOptions} with every default filled in; exactly one of `url` and `client` is set. */
export type ResolvedRedisStorageOptions = Readonly<RedisStorageSettings & Pick<RedisStorageOptions, 'url' | 'client'>>;

/** The settings that shape a connection this package opens, meaningless with `client`. */
export type ConnectionOption =
  | 'connectTimeoutMs'
  | 'commandTimeoutMs'
  | 'maxRetriesPerRequest'
  | 'enableOfflineQueue'
  | 'maxReconnectDelayMs';

type Setting = keyof RedisStorageSettings;

/**
 * Two seconds is far beyond any healthy reply (Redis answers in well under a millisecond) yet short
 * enough that a hub waiting on a dead Redis fails visibly instead of hanging; one retry lets a
 * command ride out a blip; reconnecting at least every second brings a restarted Redis back quickly
 * at a negligible cost; 10,000 keys per client matches `@grappler/storage-memory`.
 */
export const REDIS_STORAGE_DEFAULTS: Readonly<RedisStorageSettings> = Object.freeze({
  keyPrefix: 'grappler:',
  maxKeysPerClient: 10_000,
  connectTimeoutMs: 2000,
  commandTimeoutMs: 2000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  maxReconnectDelayMs: 1000,
});

/** Node's timers clamp a longer delay to 1 ms, which would turn a long timeout into none. */
export const MAX_TIMER_MS = 2_147_483_647;
const isTimerMs = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TIMER_MS;

/** How one option is checked, and what the TypeError says it must be. */
export interface OptionCheck {
  readonly test: (value: unknown) => boolean;
  readonly expected: string;
}

const timerMs: OptionCheck = { test: isTimerMs, expected: `a positive number of milliseconds up to ${MAX_TIMER_MS}` };

/** The checks of the options every factory of this package shares: the prefix and the connection. */
export const SHARED_CHECKS: Readonly<Record<'keyPrefix' | ConnectionOption, OptionCheck>> = {
  keyPrefix: { test: (value) => typeof value === 'string', expected: 'a string' },
  connectTimeoutMs: timerMs,
  commandTimeoutMs: timerMs,
  maxRetriesPerRequest: {
    test: (value) => Number.isSafeInteger(value) && (value as number) >= 0,
    expected: 'an integer of 0 or more',
  },
  enableOfflineQueue: { test: (value) => typeof value === 'boolean', expected: 'true or false' },
  maxReconnectDelayMs: timerMs,
};

const CHECKS: Readonly<Record<Setting, OptionCheck>> = {
  ...SHARED_CHECKS,
  maxKeysPerClient: {
    test: (value) => value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && (value as number) > 0),
    expected: 'a positive integer or Infinity',
  },
};

const CONNECTION_OPTIONS: ReadonlySet<string> = new Set<ConnectionOption>([
  'connectTimeoutMs',
  'commandTimeoutMs',
  'maxRetriesPerRequest',
  'enableOfflineQueue',
  'maxReconnectDelayMs',
]);

/**
 * Merges `options` over {@link REDIS_STORAGE_DEFAULTS}. A TypeError for an unknown key, a value out
 * of range, neither or both of `url` and `client`, or a connection option next to `client`
 * (it would silently do nothing).
 */
export function resolveRedisStorageOptions(options: RedisStorageOptions): ResolvedRedisStorageOptions {
  return resolveOptions('redisStorage', REDIS_STORAGE_DEFAULTS, CHECKS, options) as ResolvedRedisStorageOptions;
}

/**
 * Merges `options` over `defaults`, checking each with `checks`; `factory` names the function in
 * every TypeError (`redisStorage option "x" must be …`). Shared by `redisStorage()` and `redisLog()`.
 */
export function resolveOptions(
  factory: string,
  defaults: object,
  checks: Readonly<Record<string, OptionCheck>>,
  options: { readonly url?: string; readonly client?: Redis },
): Readonly<Record<string, unknown>> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${factory} options must be an object, got ${String(options)}`);
  }
  const resolved: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key === 'url' || key === 'client') {
      resolved[key] = value;
      continue;
    }
    // hasOwn, not `in`: "toString" must be unknown too.
    if (!Object.hasOwn(checks, key)) throw new TypeError(`unknown ${factory} option "${key}"`);
    const check = checks[key]!;
    if (!check.test(value)) {
      throw new TypeError(`${factory} option "${key}" must be ${check.expected}, got ${String(value)}`);
    }
    if (options.client !== undefined && CONNECTION_OPTIONS.has(key)) {
      throw new TypeError(`${factory} option "${key}" applies only to a connection opened from "url", not to "client"`);
    }
    resolved[key] = value;
  }
  checkTarget(factory, options.url, options.client);
  return Object.freeze(resolved);
}

function checkTarget(factory: string, url: unknown, client: unknown): void {
  if ((url === undefined) === (client === undefined)) {
    throw new TypeError(`${factory} needs exactly one of "url" and "client"`);
  }
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//i.test(url))) {
    throw new TypeError(`${factory} option "url" must be a redis:// or rediss:// URL`);
  }
  const isClient = typeof client === 'object' && client !== null && typeof (client as Redis).evalsha === 'function';
  if (client !== undefined && !isClient) {
    throw new TypeError(`${factory} option "client" must be an ioredis client`);
  }
}
