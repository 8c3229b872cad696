import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSweeper } from './sweeper';

describe('createSweeper', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one timer however often it is started', () => {
    const sweep = vi.fn(() => true);
    const sweeper = createSweeper(100, sweep);
    sweeper.start();
    sweeper.start();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(350);
    expect(sweep).toHaveBeenCalledTimes(3);
    sweeper.stop();
  });

  it('stops once nothing is left to expire, and starts again on demand', () => {
    const sweeper = createSweeper(100, () => false);
    sweeper.start();
    vi.advanceTimersByTime(100);
    expect(sweeper.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    sweeper.start();
    expect(sweeper.running).toBe(true);
    sweeper.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
