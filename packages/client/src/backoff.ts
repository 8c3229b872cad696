/**
 * Delay before reconnect attempt `attempt` (1, 2, …): exponential backoff with full jitter, a
 * uniform draw in [0, min(maxMs, baseMs · 2^(attempt-1))]. Jitter spreads the reconnects of many
 * clients dropped at once (a server restart) instead of having them all return in the same tick.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
