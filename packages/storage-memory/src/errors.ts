/**
 * The errors this package rejects with. Plain built-in classes for now: core's `LimitExceededError`
 * names only the hub's limits. `limit` and `max` mirror its fields so one handler can read both.
 */

/** The error of a `set` or `incr` that would give a client more than `maxKeysPerClient` keys. */
export type KeyLimitError = RangeError & { readonly limit: 'maxKeysPerClient'; readonly max: number };

/** A `RangeError` whose message names the option, e.g. `maxKeysPerClient exceeded: 10000`. */
export function keyLimitError(max: number): KeyLimitError {
  return Object.assign(new RangeError(`maxKeysPerClient exceeded: ${max}`), { limit: 'maxKeysPerClient' as const, max });
}

/** What every call rejects with once `close()` has been called. */
export function closedError(): Error {
  return new Error('@grappler/storage-memory: the storage is closed');
}
