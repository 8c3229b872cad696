/** Listener of event `K` of an event map `E`. */
export type Listener<E, K extends keyof E> = E[K] extends unknown[] ? (...args: E[K]) => void : never;

/**
 * A tiny typed event emitter (no Node EventEmitter in the browser). Listeners run in the order
 * they were added; one that is removed while an event is being emitted still gets that event.
 * An `error` with no listener is ignored, unlike Node's emitter: a page should not crash on it.
 */
export class Emitter<E extends { [K in keyof E]: unknown[] }> {
  readonly #listeners = new Map<keyof E, Set<unknown>>();

  /** Adds `listener` for `event`; adding the same function twice has no effect. */
  on<K extends keyof E>(event: K, listener: Listener<E, K>): this {
    const set = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, set);
    set.add(listener);
    return this;
  }

  /** Removes `listener` from `event`. */
  off<K extends keyof E>(event: K, listener: Listener<E, K>): this {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }

  /** Calls every listener of `event` with `args`. */
  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) (listener as (...a: E[K]) => void)(...args);
  }
}
