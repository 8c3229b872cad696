import type { Storage } from '@grappler/core';
import { ClientTable } from './client-table';
import { closedError } from './errors';
import { ClientKeyValueStore } from './key-value';
import { createKeySpace, type KeySpace } from './key-space';
import { type MemoryStorageOptions, resolveMemoryStorageOptions } from './options';
import { createSweeper, type Sweeper } from './sweeper';

/** A storage and the parts behind it, for this package's tests; users get only `storage`. */
export interface MemoryStorageParts {
  readonly storage: Storage;
  readonly keySpace: KeySpace;
  readonly sweeper: Sweeper;
}

/**
 * TTLs are durations, so they run on a monotonic clock: a wall-clock jump (NTP, a suspended
 * laptop) must neither expire keys early nor keep them alive.
 */
const monotonicNow = (): number => performance.now();

/** Builds a memory storage; `now` is a seam for tests that need exact time. */
export function createMemoryStorage(options?: MemoryStorageOptions, now: () => number = monotonicNow): MemoryStorageParts {
  const { sweepIntervalMs, maxKeysPerClient } = resolveMemoryStorageOptions(options);
  const clients = new ClientTable();
  /** channel -> member ids, and id -> channels (so that removing a client needs no scan). */
  const members = new Map<string, Set<string>>();
  const channelsOf = new Map<string, Set<string>>();
  const link = <K, V>(map: Map<K, Set<V>>, key: K, value: V): void => {
    const set = map.get(key);
    if (set) set.add(value);
    else map.set(key, new Set([value]));
  };
  const unlink = <K, V>(map: Map<K, Set<V>>, key: K, value: V): void => {
    const set = map.get(key);
    if (set?.delete(value) && set.size === 0) map.delete(key);
  };
  // The sweeper is created before the key space calls it, and started only once a key has a TTL.
  const sweeper: Sweeper = createSweeper(sweepIntervalMs, () => keySpace.sweep());
  const keySpace = createKeySpace({ maxKeysPerClient, now, onExpiring: () => sweeper.start() });
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw closedError();
  };

  const storage: Storage = {
    name: 'memory',
    async addClient(record) {
      assertOpen();
      if (typeof record?.id !== 'string') throw new TypeError('addClient: record.id must be a string');
      clients.set(record); // its fields, not the object: the caller's object may change later
    },
    async removeClient(id) {
      assertOpen();
      clients.delete(id);
      for (const channel of channelsOf.get(id) ?? []) unlink(members, channel, id);
      channelsOf.delete(id);
      keySpace.drop(id);
    },
    async getClient(id) {
      assertOpen();
      return clients.get(id);
    },
    async countClients() {
      assertOpen();
      return clients.size;
    },
    async addMember(channel, id) {
      assertOpen();
      link(members, channel, id);
      link(channelsOf, id, channel);
    },
    async removeMember(channel, id) {
      assertOpen();
      unlink(members, channel, id);
      unlink(channelsOf, id, channel);
    },
    async members(channel) {
      assertOpen();
      return [...(members.get(channel) ?? [])];
    },
    async countMembers(channel) {
      assertOpen();
      return members.get(channel)?.size ?? 0;
    },
    clientStore(id) {
      return new ClientKeyValueStore(id, keySpace, assertOpen);
    },
    async close() {
      closed = true;
      sweeper.stop();
      clients.clear();
      members.clear();
      channelsOf.clear();
      keySpace.clear();
    },
  };
  return { storage, keySpace, sweeper };
}

/**
 * The embedded default storage: the client registry and every client's key-value storage in
 * this process's memory. Expired keys vanish on time (checked on every read) and one shared,
 * unref'ed timer frees their memory. After `close()` every call rejects. Values are copied with
 * `structuredClone` on the way in and out; store what JSON can carry, so that switching to
 * `@grappler/storage-redis` changes nothing.
 *
 * @example
 * ```ts
 * import { createHub } from '@grappler/core';
 * import { memoryStorage } from '@grappler/storage-memory';
 * const hub = createHub({ storage: memoryStorage({ maxKeysPerClient: 100 }) });
 * ```
 */
export function memoryStorage(options?: MemoryStorageOptions): Storage {
  return createMemoryStorage(options).storage;
}
