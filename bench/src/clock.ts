/**
 * Wall-clock milliseconds with sub-millisecond precision. The server stamps when a burst starts
 * and the load generator when the last message arrives; both are separate processes on one
 * machine, so they need a clock they share (the system clock) rather than `performance.now()`,
 * whose origin is each process's own start.
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
