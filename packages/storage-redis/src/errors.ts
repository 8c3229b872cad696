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
export function closedError(what: 'storage' | 'log' = 'storage'): GrapplerError {
  return new GrapplerError('ERR_CLOSED', `@grappler/storage-redis: the ${what} is closed`);
}

/**
 * What a log subscriber reports (to `onError`, code `ERR_STORAGE`) when entries it has not
 * delivered are gone for good:
 * - `'trimmed'`: the entries after `lastDelivered` up to `evictedThrough` were trimmed before it
 *   read them (it was disconnected or slow for longer than the log keeps entries). It carries on
 *   with the entry after `evictedThrough`.
 * - `'reset'`: Redis lost the log (restarted without persistence, the keys deleted or evicted): the
 *   numbering starts again at 1, and the numbers up to `lastDelivered` now mean other entries. It
 *   carries on with the new log's entry 1 (`evictedThrough` is 0).
 * - `'rewound'`: Redis came back with an older copy of the log (a snapshot from before
 *   `lastDelivered`): numbers from `evictedThrough` + 1 on are given again, to new entries. It
 *   carries on with those appended after it noticed; ones appended in between may be skipped.
 */
export type LogGapError = GrapplerError & {
  readonly gap: 'trimmed' | 'reset' | 'rewound';
  readonly lastDelivered: number;
  readonly evictedThrough: number;
};

const GAP_MESSAGE: Readonly<Record<LogGapError['gap'], string>> = {
  trimmed: 'were trimmed before they were read',
  reset: 'are lost: Redis lost the log (restarted without persistence?), whose numbers start again at 1',
  rewound: 'were lost: Redis went back to an older copy of the log, whose numbers go on from',
};

/** A {@link LogGapError}; its message names the numbers lost. */
export function logGapError(gap: LogGapError['gap'], lastDelivered: number, evictedThrough: number): LogGapError {
  const lost =
    gap === 'trimmed'
      ? `entries ${lastDelivered + 1} to ${evictedThrough} ${GAP_MESSAGE.trimmed}`
      : gap === 'reset'
        ? `entries up to ${lastDelivered} ${GAP_MESSAGE.reset}`
        : `entries ${evictedThrough + 1} to ${lastDelivered} ${GAP_MESSAGE.rewound} ${evictedThrough + 1}`;
  const error = new GrapplerError('ERR_STORAGE', `@grappler/storage-redis: log gap after ${lastDelivered}: ${lost}`);
  return Object.assign(error, { gap, lastDelivered, evictedThrough });
}

/** The error of a `set` or `incr` that would give a client more than `maxKeysPerClient` keys. */
export type KeyLimitError = RangeError & { readonly limit: 'maxKeysPerClient'; readonly max: number };

/** A `RangeError` whose message names the option, e.g. `maxKeysPerClient exceeded: 10000`. */
export function keyLimitError(max: number): KeyLimitError {
  return Object.assign(new RangeError(`maxKeysPerClient exceeded: ${max}`), { limit: 'maxKeysPerClient' as const, max });
}
