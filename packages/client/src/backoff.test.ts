import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  it('doubles the ceiling each attempt up to the maximum', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 10].map((n) => backoffDelayMs(n, 500, 3000, top))).toEqual([499, 999, 1999, 2999, 2999]);
  });

  it('draws the whole range down to zero (full jitter)', () => {
    expect(backoffDelayMs(5, 500, 10_000, () => 0)).toBe(0);
  });
});
