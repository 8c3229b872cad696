/**
 * Values and times on their way to Redis: values travel as JSON text, TTLs as whole milliseconds.
 * Bad input throws here, before anything is sent, with the errors `@grappler/storage-memory` uses.
 */

/** The JSON text stored for `value`; a TypeError for what JSON cannot carry. */
export function encodeValue(key: string, value: unknown): string {
  if (value === undefined) throw new TypeError(`set: the value of "${key}" is undefined; use del() to remove a key`);
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    throw new TypeError(`set: the value of "${key}" is a ${typeof value}; store what JSON can carry`);
  }
  try {
    return JSON.stringify(value);
  } catch (cause) {
    throw new TypeError(`set: the value of "${key}" cannot be encoded as JSON; store what JSON can carry`, { cause });
  }
}

/** The value stored as `text`; throws a SyntaxError for text this package did not write. */
export function decodeValue(text: string): unknown {
  return JSON.parse(text);
}

/**
 * `ttlMs` as the whole milliseconds Redis takes, rounded up so a key never lives shorter than asked.
 * `allowPast` (for `expire`): 0 or less is allowed and becomes 0, which deletes the key, as PEXPIRE.
 * Past `Number.MAX_SAFE_INTEGER` (285,000 years) Redis would refuse the deadline: a RangeError here.
 */
export function redisMs(name: string, ttlMs: number, allowPast: boolean): string {
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) {
    throw new TypeError(`${name} must be a number of milliseconds, got ${String(ttlMs)}`);
  }
  if (!Number.isFinite(ttlMs) || ttlMs > Number.MAX_SAFE_INTEGER || (!allowPast && ttlMs <= 0)) {
    const kind = allowPast ? 'finite' : 'positive finite';
    throw new RangeError(`${name} must be a ${kind} number of milliseconds up to ${Number.MAX_SAFE_INTEGER}, got ${ttlMs}`);
  }
  return String(Math.max(0, Math.ceil(ttlMs)));
}

/** The step of `incr`: a safe integer. */
export function incrStep(by: number): string {
  if (!Number.isSafeInteger(by)) throw new TypeError(`incr: "by" must be an integer, got ${String(by)}`);
  return String(by);
}
