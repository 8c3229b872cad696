/**
 * The contract of a message log shared by several hubs (nodes), so that they act as one: every
 * message any node sends gets one number in one order, every node delivers every message to
 * its own clients in that order, and a framed client can resume on any node from its cursor.
 * `@grappler/storage-redis`'s `redisLog()` implements it; a single hub uses its own in-memory
 * log and needs none.
 *
 *   node A: append(entry) ---> the log numbers it (n) ---> every node's subscriber, in order of n
 *   node B: append(entry) --/                         \--> range(after) for a client resuming
 */

/** Who a shared message is for (as the hub's own log addresses its entries). */
export interface SharedAddressing {
  /** One client only (by id). */
  readonly to?: string;
  /** Everyone but this client. */
  readonly except?: string;
  /**
   * The members of this channel. With `to` naming the same target (`hub.to(target)` on a node that
   * holds neither): the client of that id on the node that has it, else the channel's members.
   */
  readonly channel?: string;
}

/** A message as the shared log carries it between nodes. */
export interface SharedLogEntry extends SharedAddressing {
  /** The number the log gave it: 1, 2, 3, … across every node. */
  readonly seq: number;
  /** The `nodeId` of the hub that appended it. */
  readonly node: string;
  /** A text message's text, or undefined for bytes. */
  readonly text?: string;
  /** A binary message's bytes. */
  readonly bytes?: Uint8Array;
  /** When it was sent (ms since the epoch). */
  readonly time: number;
  /** Its sender, as the application sent it along (JSON). */
  readonly sender?: unknown;
  /** A reply to one framed client's command (JSON), when it is one. */
  readonly reply?: unknown;
  /**
   * Who appended it (one id per hub process) and that origin's own number for it, 1, 2, 3, …:
   * the log appends an entry only when its `originSeq` is above every one already appended for
   * that origin, so an append that failed without saying whether it was done (a timeout) can be
   * sent again. A hub delivers what it sent while the log was unreachable to its own plain
   * clients at once, and knows its entries by these when the log has them.
   */
  readonly origin?: string;
  readonly originSeq?: number;
}

/** What a node hands the log; the log adds `seq`. */
export type SharedLogAppend = Omit<SharedLogEntry, 'seq'>;

/** What `range()` finds. */
export interface SharedLogRange {
  /** The entries numbered above the cursor that the log still holds, in order. */
  readonly entries: readonly SharedLogEntry[];
  /** The highest number no longer held (0 when none was dropped): a cursor below it is a gap. */
  readonly evictedThrough: number;
}

/** A log shared by every node of a cluster. */
export interface SharedLog {
  /**
   * Appends an entry; resolves with its number once the log holds it, or with 0 when it held it
   * already (a retry: see {@link SharedLogEntry.originSeq}). Rejects with `ERR_STORAGE` when it cannot.
   */
  append(entry: SharedLogAppend): Promise<number>;
  /**
   * Calls `onEntry` for every entry appended from now on, by any node, once each and in order of
   * their numbers; `onError` for failures (the log keeps trying and picks up where it stopped).
   * May return a promise that settles once the log knows where it starts reading (everything
   * appended after that is delivered): a hub admits no client before it.
   */
  subscribe(onEntry: (entry: SharedLogEntry) => void, onError: (error: Error) => void): void | Promise<void>;
  /** The entries numbered above `after` still held, and how far the log has dropped old ones. */
  range(after: number): Promise<SharedLogRange>;
  /** The newest number given so far (0 before the first). */
  newest(): Promise<number>;
  /** Stops reading and releases connections: the process can exit. */
  close(): Promise<void>;
}
