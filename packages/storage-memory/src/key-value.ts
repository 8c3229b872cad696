import type { KeyValueStore, SetOptions } from '@grappler/core';
import type { KeySpace } from './key-space';

/**
 * One client's view of a {@link KeySpace}: the async `KeyValueStore` API. A class so that
 * `clientStore(id)` costs one small object, with no closures and no data until the first write.
 * Every method is async so that bad input and a closed storage reject instead of throwing.
 */
export class ClientKeyValueStore implements KeyValueStore {
  readonly #id: string;
  readonly #space: KeySpace;
  readonly #assertOpen: () => void;

  constructor(id: string, space: KeySpace, assertOpen: () => void) {
    this.#id = id;
    this.#space = space;
    this.#assertOpen = assertOpen;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.#assertOpen();
    return this.#space.get(this.#id, key) as T | undefined;
  }

  /** Stores a copy of `value` (see `structuredClone`): changing the object afterwards changes nothing stored. */
  async set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    this.#assertOpen();
    this.#space.set(this.#id, key, value, options?.ttlMs);
  }

  async del(key: string): Promise<boolean> {
    this.#assertOpen();
    return this.#space.del(this.#id, key);
  }

  async incr(key: string, by = 1): Promise<number> {
    this.#assertOpen();
    return this.#space.incr(this.#id, key, by);
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    return this.#space.expire(this.#id, key, ttlMs);
  }

  async ttl(key: string): Promise<number> {
    this.#assertOpen();
    return this.#space.ttl(this.#id, key);
  }

  async keys(pattern = '*'): Promise<string[]> {
    this.#assertOpen();
    return this.#space.keys(this.#id, pattern);
  }
}
