import type { EventEmitter } from 'node:events';

/**
 * Puts `first` in front of a server's existing listeners for `event`: when `first` returns
 * true the event was grappler's and the others never see it; otherwise they run as before.
 * Listeners added afterwards are called by the emitter itself, and see every event.
 * `fallback` runs when nobody else listens (so an unclaimed request still gets an answer).
 * @returns a function that takes `first` away and puts the listeners back as they were, first
 *   in line (once-listeners still once). Idempotent.
 */
export function interceptEvent<Args extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  first: (...args: Args) => boolean,
  fallback: (...args: Args) => void,
): () => void {
  // rawListeners keeps once() wrappers as they are, for the undo.
  const originals = emitter.rawListeners(event) as ((...args: unknown[]) => void)[];
  const others = emitter.listeners(event) as unknown as ((...args: Args) => void)[];
  emitter.removeAllListeners(event);
  const intercept = function (this: unknown, ...args: Args): void {
    if (first(...args)) return;
    // Listeners added after attach() are called by the emitter itself; count them too.
    if (others.length === 0 && emitter.listenerCount(event) === 1) fallback(...args);
    else for (const listener of others) listener.apply(this, args);
  };
  emitter.on(event, intercept);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    emitter.removeListener(event, intercept);
    for (const listener of [...originals].reverse()) emitter.prependListener(event, listener);
  };
}
