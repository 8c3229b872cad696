import { GrapplerError } from '@grappler/core';

/**
 * The errors this package rejects with. Redis failing (down, timing out, an unexpected reply) is a
 * `GrapplerError` with code `ERR_STORAGE` and ioredis's error as `cause`; bad input and the key
 * limit are the same `TypeError`/`RangeError` as `@grappler/storage-memory`, so one handler fits both.
 */

/**
 * `ERR_STORAGE`: `operation` (e.g. `get`) failed in Redis; `cause` is what ioredis reported, and
 * `context` (why Redis is unreachable, when it is) goes into the message in parentheses.
 */
export function storageError(operation: string, cause: unknown, context?: string): GrapplerError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const message = `@grappler/storage-redis: ${operation} failed: ${reason}${context ? ` (${context})` : ''}`;
  return new GrapplerError('ERR_STORAGE', message, { cause });
}

/** What every call rejects with once `close()` has been called. */
export function closedError(): GrapplerError {
  return new GrapplerError('ERR_CLOSED', '@grappler/storage-redis: the storage is closed');
}

/** The error of a `set` or `incr` that would give a client more than `maxKeysPerClient` keys. */
export type KeyLimitError = RangeError & { readonly limit: 'maxKeysPerClient'; readonly max: number };

/** A `RangeError` whose message names the option, e.g. `maxKeysPerClient exceeded: 10000`. */
export function keyLimitError(max: number): KeyLimitError {
  return Object.assign(new RangeError(`maxKeysPerClient exceeded: ${max}`), { limit: 'maxKeysPerClient' as const, max });
}
