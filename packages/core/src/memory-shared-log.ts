/**
 * A `SharedLog` in this process's memory: several hubs in one process (tests, a server per port)
 * act as one cluster through it. Entries are numbered on append and handed to every connected
 * hub in a later microtask, in order, as a networked log would; `maxEntries` of them are kept for
 * `range()`. For hubs in several processes use a networked one (`@grappler/storage-redis`).
 *
 *   const cluster = memoryCluster();
 *   const a = createHub({ sharedLog: cluster.connect() });
 *   const b = createHub({ sharedLog: cluster.connect() }); // a.broadcast() reaches b's clients
 */
import type { SharedLog, SharedLogAppend, SharedLogEntry, SharedLogRange } from './shared-log';

/** Options of {@link memoryCluster}. */
export interface MemoryClusterOptions {
  /** Entries kept for `range()`. @default 10000 */
  maxEntries?: number;
}

/** One in-memory log; each hub gets its own connection to it. */
export interface MemoryCluster {
  /** A connection for one hub: its `close()` stops that hub's subscription only. */
  connect(): SharedLog;
}

export function memoryCluster(options: MemoryClusterOptions = {}): MemoryCluster {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  const held: SharedLogEntry[] = [];
  const subscribers = new Set<(entry: SharedLogEntry) => void>();
  let seq = 0;
  let evictedThrough = 0;
  /** The highest `originSeq` appended per origin: a retried append is not appended twice. */
  const appendedOf = new Map<string, number>();
  return {
    connect(): SharedLog {
      let mine: ((entry: SharedLogEntry) => void) | undefined;
      return {
        async append(entry: SharedLogAppend): Promise<number> {
          const { origin, originSeq } = entry;
          if (origin !== undefined && originSeq !== undefined) {
            if (originSeq <= (appendedOf.get(origin) ?? 0)) return 0;
            appendedOf.set(origin, originSeq);
          }
          seq += 1;
          const numbered: SharedLogEntry = { ...entry, seq };
          held.push(numbered);
          if (held.length > maxEntries) evictedThrough = held.shift()!.seq;
          // Not synchronously: an append never delivers before its caller has moved on, as over a network.
          queueMicrotask(() => {
            for (const deliver of subscribers) deliver(numbered);
          });
          return seq;
        },
        subscribe(onEntry) {
          if (mine) subscribers.delete(mine);
          mine = onEntry;
          subscribers.add(onEntry);
        },
        async range(after: number): Promise<SharedLogRange> {
          return { entries: held.filter((entry) => entry.seq > after), evictedThrough };
        },
        async newest(): Promise<number> {
          return seq;
        },
        async close(): Promise<void> {
          if (mine) subscribers.delete(mine);
          mine = undefined;
        },
      };
    },
  };
}
