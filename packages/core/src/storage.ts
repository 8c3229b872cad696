/**
 * Where the hub keeps what may have to outlive one process: which node holds which client, and
 * each client's key-value storage. Asynchronous even in memory, so that Redis fits unchanged.
 */

/** What the registry records about a connected client. */
export interface ClientRecord {
  readonly id: string;
  /** The hub (process) that holds the connection. */
  readonly node: string;
  readonly transport: string;
  readonly remoteAddress: string;
  /** Milliseconds since the epoch. */
  readonly connectedAt: number;
}

/** Options of {@link KeyValueStore.set}. */
export interface SetOptions {
  /** The key disappears after this many milliseconds. */
  readonly ttlMs?: number;
}

/**
 * Per-client storage with a small Redis-like API. Values are anything JSON can carry; times are
 * milliseconds (Redis's `EXPIRE` takes seconds: grappler names the unit instead).
 */
export interface KeyValueStore {
  /** A copy of the stored value, or undefined for a missing or expired key. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a copy; as Redis `SET`, a key set again without `ttlMs` loses its old expiry. */
  set(key: string, value: unknown, options?: SetOptions): Promise<void>;
  /** True when the key existed. */
  del(key: string): Promise<boolean>;
  /** Adds `by` (default 1) to a number, starting from 0 and keeping its expiry; rejects when the value is not an integer. */
  incr(key: string, by?: number): Promise<number>;
  /** Sets a time to live (0 or less deletes the key); false when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Milliseconds left, -1 for a key with no expiry, -2 for a missing key (as Redis's `PTTL`). */
  ttl(key: string): Promise<number>;
  /** Keys matching a glob with `*` and `?` (default: all). */
  keys(pattern?: string): Promise<string[]>;
}

/** A storage backend: `@grappler/storage-memory` is the embedded default. */
export interface Storage {
  readonly name: string;
  addClient(record: ClientRecord): Promise<void>;
  /** Forgets the client, its channels and its key-value storage. */
  removeClient(id: string): Promise<void>;
  getClient(id: string): Promise<ClientRecord | undefined>;
  countClients(): Promise<number>;
  /** Records that client `id` is a member of `channel` (channels across nodes); again changes nothing. */
  addMember(channel: string, id: string): Promise<void>;
  /** Forgets that client `id` is a member of `channel`; `removeClient` forgets all its channels. */
  removeMember(channel: string, id: string): Promise<void>;
  /** The ids of a channel's members, on every node that shares this storage. */
  members(channel: string): Promise<string[]>;
  /** How many members a channel has on every node (one call). */
  countMembers(channel: string): Promise<number>;
  /**
   * Optional, for a storage several nodes share: says `node` is alive for `ttlMs` more (a hub in
   * a cluster calls it on every tick), and removes what nodes that stopped saying so (killed)
   * left: their clients' records at once, so that `countClients()` counts live nodes' clients
   * only, and, `graceMs` later, the key-value storage of those no other node took over.
   * Resolves with the number of records removed.
   */
  heartbeat?(node: string, ttlMs: number, graceMs: number): Promise<number>;
  /** The key-value storage of one client; cheap to call. */
  clientStore(id: string): KeyValueStore;
  /** Releases timers and connections; the process can exit afterwards. */
  close(): Promise<void>;
}
