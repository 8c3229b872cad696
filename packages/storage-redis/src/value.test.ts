import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue, incrStep, redisMs } from './value';

describe('encodeValue', () => {
  it('stores what JSON can carry as JSON text, and reads it back', () => {
    for (const value of ['text', -1.5, 0, true, null, [1, 'two', [3]], { deep: { list: [{}] } }]) {
      expect(decodeValue(encodeValue('k', value))).toEqual(value);
    }
    expect(encodeValue('k', 42)).toBe('42');
  });

  it('refuses undefined, functions, symbols, bigints and cycles with a TypeError naming the key', () => {
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    expect(() => encodeValue('k', undefined)).toThrow('set: the value of "k" is undefined; use del() to remove a key');
    for (const value of [() => 1, Symbol('s'), 1n, { n: 1n }, cycle]) {
      expect(() => encodeValue('k', value)).toThrow(TypeError);
    }
  });
});

describe('redisMs', () => {
  it('rounds up to whole milliseconds, so a key never lives shorter than asked', () => {
    expect(redisMs('ttlMs', 1000, false)).toBe('1000');
    expect(redisMs('ttlMs', 0.2, false)).toBe('1');
    expect(redisMs('ttlMs', 10.5, false)).toBe('11');
  });

  it('turns 0 or less into 0 when the past is allowed (expire deletes, as PEXPIRE)', () => {
    expect(redisMs('ttlMs', 0, true)).toBe('0');
    expect(redisMs('ttlMs', -5, true)).toBe('0');
  });

  it.each([0, -1, Number.POSITIVE_INFINITY, 2 ** 60])('refuses %s for set with a RangeError', (ttlMs) => {
    expect(() => redisMs('ttlMs', ttlMs, false)).toThrow(RangeError);
  });

  it('refuses a ttlMs that is not a number with a TypeError', () => {
    expect(() => redisMs('ttlMs', Number.NaN, true)).toThrow(TypeError);
    expect(() => redisMs('ttlMs', '5' as unknown as number, true)).toThrow(TypeError);
  });
});

describe('incrStep', () => {
  it('takes safe integers only', () => {
    expect(incrStep(-3)).toBe('-3');
    for (const by of [0.5, Number.NaN, 2 ** 60, '1']) {
      expect(() => incrStep(by as number)).toThrow(TypeError);
    }
  });
});
