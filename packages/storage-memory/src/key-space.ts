/**
 * Every client's keys, in one synchronous structure: client id -> key -> entry. The async
 * `KeyValueStore` facade (key-value.ts) and the sweep timer (sweeper.ts) sit on top of it.
 *
 * Expiry is checked twice: lazily on every access (so a read after the deadline never sees the
 * key) and by `sweep()` (so keys nobody reads again still free their memory).
 */
import { keyLimitError } from './errors';
import { compileGlob } from '@grappler/core';

interface Entry {
  value: unknown;
  /** On the `now()` clock; `Infinity` for a key without a TTL. */
  expiresAt: number;
}
type Bucket = Map<string, Entry>;

/** What a {@link KeySpace} needs from its storage. */
export interface KeySpaceOptions {
  readonly maxKeysPerClient: number;
  /** A monotonic clock in milliseconds. */
  readonly now: () => number;
  /** Called whenever a key gets a TTL, so the storage can start its sweep timer. */
  readonly onExpiring: () => void;
}

/** The per-client key-value data of one storage; methods throw synchronously on bad input. */
export interface KeySpace {
  get(id: string, key: string): unknown;
  set(id: string, key: string, value: unknown, ttlMs?: number): void;
  del(id: string, key: string): boolean;
  incr(id: string, key: string, by: number): number;
  expire(id: string, key: string, ttlMs: number): boolean;
  ttl(id: string, key: string): number;
  keys(id: string, pattern: string): string[];
  /** Forgets one client's keys. */
  drop(id: string): void;
  /** Deletes expired entries; true while some entry still has a TTL (the sweep timer is still needed). */
  sweep(): boolean;
  clear(): void;
  /** Entries held, expired-but-not-yet-swept ones included: what the sweep is there to bring down. */
  size(): number;
}

/** Creates an empty {@link KeySpace}. */
export function createKeySpace({ maxKeysPerClient, now, onExpiring }: KeySpaceOptions): KeySpace {
  const buckets = new Map<string, Bucket>();

  /** The entry if it is still alive; an expired one is deleted on the spot. */
  const live = (bucket: Bucket | undefined, key: string, at: number): Entry | undefined => {
    const entry = bucket?.get(key);
    if (entry === undefined || entry.expiresAt > at) return entry;
    bucket!.delete(key);
    return undefined;
  };
  /** Empty buckets go, so clients that only ever read leave nothing behind. */
  const release = (id: string, bucket: Bucket | undefined): void => {
    if (bucket?.size === 0) buckets.delete(id);
  };
  /** The bucket to add `key` to, after the limit check (expired keys do not count against it). */
  const admit = (id: string, key: string, at: number): Bucket => {
    const bucket = buckets.get(id) ?? new Map<string, Entry>();
    if (!live(bucket, key, at) && bucket.size >= maxKeysPerClient) {
      for (const [k, entry] of bucket) if (entry.expiresAt <= at) bucket.delete(k);
      if (bucket.size >= maxKeysPerClient) throw keyLimitError(maxKeysPerClient);
    }
    buckets.set(id, bucket);
    return bucket;
  };

  return {
    get(id, key) {
      const bucket = buckets.get(id);
      const entry = live(bucket, key, now());
      release(id, bucket);
      return entry && copy(entry.value);
    },
    set(id, key, value, ttlMs) {
      const stored = storable(key, value);
      if (ttlMs !== undefined) checkTtl('ttlMs', ttlMs, false);
      const at = now();
      admit(id, key, at).set(key, { value: stored, expiresAt: ttlMs === undefined ? Infinity : at + ttlMs });
      if (ttlMs !== undefined) onExpiring();
    },
    del(id, key) {
      const bucket = buckets.get(id);
      const existed = live(bucket, key, now()) !== undefined && bucket!.delete(key);
      release(id, bucket);
      return existed;
    },
    incr(id, key, by) {
      if (!Number.isSafeInteger(by)) throw new TypeError(`incr: "by" must be an integer, got ${String(by)}`);
      const at = now();
      const entry = live(buckets.get(id), key, at);
      if (entry === undefined) {
        admit(id, key, at).set(key, { value: by, expiresAt: Infinity });
        return by;
      }
      if (typeof entry.value !== 'number' || !Number.isSafeInteger(entry.value)) {
        throw new TypeError(`incr: the value of "${key}" is not an integer`);
      }
      const next = entry.value + by;
      if (!Number.isSafeInteger(next)) throw new RangeError(`incr: "${key}" would leave the safe integer range`);
      entry.value = next; // the TTL stays, as with Redis's INCRBY
      return next;
    },
    expire(id, key, ttlMs) {
      checkTtl('ttlMs', ttlMs, true);
      const at = now();
      const bucket = buckets.get(id);
      const entry = live(bucket, key, at);
      // As Redis's PEXPIRE: a deadline already passed deletes the key.
      if (entry !== undefined && ttlMs <= 0) bucket!.delete(key);
      release(id, bucket);
      if (entry === undefined || ttlMs <= 0) return entry !== undefined;
      entry.expiresAt = at + ttlMs;
      onExpiring();
      return true;
    },
    ttl(id, key) {
      const at = now();
      const bucket = buckets.get(id);
      const entry = live(bucket, key, at);
      release(id, bucket);
      if (entry === undefined) return -2;
      // Rounded up: a live key never reports 0 ms left.
      return entry.expiresAt === Infinity ? -1 : Math.ceil(entry.expiresAt - at);
    },
    keys(id, pattern) {
      const matches = compileGlob(pattern);
      const at = now();
      const bucket = buckets.get(id);
      const found: string[] = [];
      for (const [key, entry] of bucket ?? []) {
        if (entry.expiresAt <= at) bucket!.delete(key);
        else if (matches(key)) found.push(key);
      }
      release(id, bucket);
      return found;
    },
    drop(id) {
      buckets.delete(id);
    },
    sweep() {
      const at = now();
      let expiring = false;
      for (const [id, bucket] of buckets) {
        for (const [key, entry] of bucket) {
          if (entry.expiresAt <= at) bucket.delete(key);
          else if (entry.expiresAt !== Infinity) expiring = true;
        }
        release(id, bucket);
      }
      return expiring;
    },
    clear() {
      buckets.clear();
    },
    size() {
      let total = 0;
      for (const bucket of buckets.values()) total += bucket.size;
      return total;
    },
  };
}

/**
 * A private copy of `value`, so that mutating an object after `set` (or the result of `get`)
 * does not change what is stored: a Redis backend serializes, and this one must behave the same.
 */
function copy<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

function storable(key: string, value: unknown): unknown {
  if (value === undefined) throw new TypeError(`set: the value of "${key}" is undefined; use del() to remove a key`);
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    throw new TypeError(`set: the value of "${key}" is a ${typeof value}; store what JSON can carry`);
  }
  try {
    return copy(value);
  } catch (cause) {
    throw new TypeError(`set: the value of "${key}" cannot be copied; store what JSON can carry`, { cause });
  }
}

/** A finite number of milliseconds; positive unless `allowPast` (expire with <= 0 deletes, as Redis). */
function checkTtl(name: string, ttlMs: number, allowPast: boolean): void {
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) {
    throw new TypeError(`${name} must be a number of milliseconds, got ${String(ttlMs)}`);
  }
  if (!Number.isFinite(ttlMs) || (!allowPast && ttlMs <= 0)) {
    throw new RangeError(`${name} must be a ${allowPast ? 'finite' : 'positive finite'} number of milliseconds, got ${ttlMs}`);
  }
}
