import { describe, expect, it } from 'vitest';
import { MEMORY_STORAGE_DEFAULTS, type MemoryStorageOptions, resolveMemoryStorageOptions } from './options';

describe('resolveMemoryStorageOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveMemoryStorageOptions()).toEqual({ sweepIntervalMs: 1000, maxKeysPerClient: 10_000 });
    expect(resolveMemoryStorageOptions({})).toEqual(MEMORY_STORAGE_DEFAULTS);
  });

  it('takes overrides, Infinity for maxKeysPerClient, and skips undefined values', () => {
    expect(resolveMemoryStorageOptions({ sweepIntervalMs: 25, maxKeysPerClient: 3 })).toEqual({
      sweepIntervalMs: 25,
      maxKeysPerClient: 3,
    });
    expect(resolveMemoryStorageOptions({ maxKeysPerClient: Number.POSITIVE_INFINITY }).maxKeysPerClient).toBe(
      Number.POSITIVE_INFINITY,
    );
    const partial = { sweepIntervalMs: undefined } as unknown as MemoryStorageOptions;
    expect(resolveMemoryStorageOptions(partial).sweepIntervalMs).toBe(1000);
  });

  it.each([
    ['sweepIntervalMs', 0],
    ['sweepIntervalMs', -5],
    ['sweepIntervalMs', Number.NaN],
    ['sweepIntervalMs', Number.POSITIVE_INFINITY],
    ['sweepIntervalMs', 2 ** 31],
    ['sweepIntervalMs', '1000'],
    ['maxKeysPerClient', 0],
    ['maxKeysPerClient', -1],
    ['maxKeysPerClient', 1.5],
    ['maxKeysPerClient', Number.NaN],
    ['maxKeysPerClient', null],
  ])('throws a TypeError naming %s for %s', (name, value) => {
    expect(() => resolveMemoryStorageOptions({ [name]: value } as MemoryStorageOptions)).toThrow(
      new RegExp(`^memoryStorage option "${name}" must be`),
    );
    expect(() => resolveMemoryStorageOptions({ [name]: value } as MemoryStorageOptions)).toThrow(TypeError);
  });

  it('throws a TypeError for unknown keys, inherited names included', () => {
    for (const name of ['maxKeys', 'toString', 'constructor']) {
      expect(() => resolveMemoryStorageOptions({ [name]: 1 } as MemoryStorageOptions)).toThrow(
        new TypeError(`unknown memoryStorage option "${name}"`),
      );
    }
  });

  it('throws a TypeError for options that are not an object', () => {
    expect(() => resolveMemoryStorageOptions(null as unknown as MemoryStorageOptions)).toThrow(TypeError);
    expect(() => resolveMemoryStorageOptions(5 as unknown as MemoryStorageOptions)).toThrow(TypeError);
  });
});
