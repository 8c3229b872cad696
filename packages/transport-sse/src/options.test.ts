import { describe, expect, it } from 'vitest';
import { SSE_DEFAULTS, resolveSseOptions } from './options';

describe('resolveSseOptions', () => {
  it('fills in 2000 ms of retry and no padding', () => {
    expect(resolveSseOptions({})).toEqual({ retryMs: 2000, paddingBytes: 0 });
    expect(SSE_DEFAULTS).toEqual({ retryMs: 2000, paddingBytes: 0 });
    expect(Object.isFrozen(SSE_DEFAULTS)).toBe(true);
  });

  it('keeps given values, zero included', () => {
    expect(resolveSseOptions({ retryMs: 0, paddingBytes: 2048, path: '/events' })).toEqual({ retryMs: 0, paddingBytes: 2048 });
  });

  it.each([
    ['retryMs', { retryMs: -1 }],
    ['retryMs', { retryMs: 1.5 }],
    ['retryMs', { retryMs: Number.NaN }],
    ['paddingBytes', { paddingBytes: -2 }],
    ['paddingBytes', { paddingBytes: Number.POSITIVE_INFINITY }],
  ])('refuses a bad %s with a TypeError', (name, options) => {
    expect(() => resolveSseOptions(options)).toThrow(new RegExp(`^${name} must be`));
  });
});
