import type { EventEmitter } from 'node:events';

/**
 * Puts `first` in front of a server's existing listeners for `event`: when `first` returns
 * true the event was grappler's and the others never see it; otherwise they run as before.
 * `fallback` runs when nobody else listens (so an unclaimed request still gets an answer).
 */
export function interceptEvent<Args extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  first: (...args: Args) => boolean,
  fallback: (...args: Args) => void,
): void {
  const others = emitter.listeners(event) as unknown as ((...args: Args) => void)[];
  emitter.removeAllListeners(event);
  emitter.on(event, function (this: unknown, ...args: Args) {
    if (first(...args)) return;
    // Listeners added after attach() are called by the emitter itself; count them too.
    if (others.length === 0 && emitter.listenerCount(event) === 1) return fallback(...args);
    for (const listener of others) listener.apply(this, args);
  });
}
