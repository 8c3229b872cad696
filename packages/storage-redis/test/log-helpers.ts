import type { SharedLog, SharedLogEntry } from '@grappler/core';

/** What one subscriber saw: its entries and errors, in order. */
export interface Seen {
  readonly entries: SharedLogEntry[];
  readonly errors: Error[];
}

/** Subscribes `log` and records everything it reports. */
export function watch(log: SharedLog): Seen {
  const seen: Seen = { entries: [], errors: [] };
  log.subscribe(
    (entry) => seen.entries.push(entry),
    (error) => seen.errors.push(error),
  );
  return seen;
}

/** Resolves once `done()` holds (checked every 10 ms); rejects after `timeoutMs` with `what`. */
export async function until(done: () => boolean, timeoutMs: number, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** How a call settles and how long it took. */
export async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await call();
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
