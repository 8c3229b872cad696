/** Options of `memoryStorage()`. Each is a named limit with its unit in the name and a default. */
export interface MemoryStorageOptions {
  /**
   * How often, in milliseconds, the storage's one shared timer deletes expired keys. Reads never
   * see an expired key whatever this is; it only bounds how long an expired key's memory lingers.
   * @default 1000
   */
  readonly sweepIntervalMs?: number;
  /**
   * How many keys one client may hold. `set` or `incr` of a new key past it rejects with a
   * `RangeError` (`maxKeysPerClient exceeded: 10000`); existing keys can still be overwritten.
   * `Infinity` means unlimited.
   * @default 10_000
   */
  readonly maxKeysPerClient?: number;
}

/** {@link MemoryStorageOptions} with every default filled in. */
export type ResolvedMemoryStorageOptions = Readonly<Required<MemoryStorageOptions>>;

/**
 * One sweep a second frees memory soon enough without scanning often; 10,000 keys per client is
 * far more than session state needs, yet stops one client from filling the process's memory.
 */
export const MEMORY_STORAGE_DEFAULTS: ResolvedMemoryStorageOptions = Object.freeze({
  sweepIntervalMs: 1000,
  maxKeysPerClient: 10_000,
});

/** Node's timers clamp a longer delay to 1 ms (with a warning), which would turn a lazy sweep into a busy one. */
const MAX_TIMER_MS = 2_147_483_647;

const CHECKS: Readonly<Record<keyof MemoryStorageOptions, (value: number) => boolean>> = {
  sweepIntervalMs: (value) => Number.isFinite(value) && value > 0 && value <= MAX_TIMER_MS,
  maxKeysPerClient: (value) => value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value > 0),
};

const EXPECTED: Readonly<Record<keyof MemoryStorageOptions, string>> = {
  sweepIntervalMs: `a positive number of milliseconds up to ${MAX_TIMER_MS}`,
  maxKeysPerClient: 'a positive integer or Infinity',
};

/** Merges `options` over {@link MEMORY_STORAGE_DEFAULTS}; a TypeError for unknown keys or out-of-range values. */
export function resolveMemoryStorageOptions(options: MemoryStorageOptions = {}): ResolvedMemoryStorageOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`memoryStorage options must be an object, got ${String(options)}`);
  }
  const resolved = { ...MEMORY_STORAGE_DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    // hasOwn, not `in`: "toString" must be unknown too.
    if (!Object.hasOwn(CHECKS, key)) throw new TypeError(`unknown memoryStorage option "${key}"`);
    if (value === undefined) continue;
    const name = key as keyof MemoryStorageOptions;
    if (typeof value !== 'number' || !CHECKS[name](value)) {
      throw new TypeError(`memoryStorage option "${name}" must be ${EXPECTED[name]}, got ${String(value)}`);
    }
    resolved[name] = value;
  }
  return Object.freeze(resolved);
}
