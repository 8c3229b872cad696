/**
 * The hub's message log: every outbound message with its number and who it was addressed to,
 * kept up to a byte budget so that a client that reconnects can be sent what it missed.
 *
 *   append(entry) -> entries[head..] (oldest first) -> over maxBytes: the oldest are evicted,
 *   and `evictedThrough` remembers the highest number gone (a cursor below it is a gap)
 *
 * Pure data: no I/O and no timers.
 */

/** Who a logged message was for. */
export interface Addressing {
  /** One client only. */
  readonly to?: string;
  /** Everyone but this client (a `client.broadcast`, a publish `except`). */
  readonly except?: string;
  /** The members of this channel (as they are when the message is replayed). */
  readonly channel?: string;
  /** Clients the application's `filter` hook kept it from. */
  readonly excluded?: ReadonlySet<string>;
}

/** Whether a client is in a channel, for replaying channel messages. */
export type MemberOf = (channel: string) => boolean;

/** One logged message. `frames` caches its encoding per wire format, shared by every recipient. */
export interface LogEntry<Message> extends Addressing {
  readonly seq: number;
  readonly message: Message;
  /** What the entry counts against the log's budget. */
  readonly bytes: number;
  readonly frames: Map<unknown, unknown>;
}

/** What a resume gets: the entries after the cursor, and a gap when some are no longer held. */
export interface Replay<Message> {
  readonly entries: readonly LogEntry<Message>[];
  /** Numbers `from`..`to` were evicted: what of them was addressed to the client is lost. */
  readonly gap: { readonly from: number; readonly to: number } | undefined;
}

/** True when `entry` was addressed to the client `clientId`. */
export function addressedTo(entry: Addressing, clientId: string, memberOf: MemberOf = () => false): boolean {
  if (entry.to !== undefined) return entry.to === clientId;
  if (entry.except === clientId || entry.excluded?.has(clientId)) return false;
  return entry.channel === undefined || memberOf(entry.channel);
}

/** A bounded, ordered log of numbered messages. */
export class MessageLog<Message> {
  readonly #maxBytes: number;
  #entries: LogEntry<Message>[] = [];
  #head = 0;
  #bytes = 0;
  #evictedThrough = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** The highest number no longer held (0 when nothing was evicted). */
  get evictedThrough(): number {
    return this.#evictedThrough;
  }

  /** Adds an entry; numbers must increase. The oldest entries go once the budget is exceeded. */
  append(entry: LogEntry<Message>): void {
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    while (this.#bytes > this.#maxBytes && this.size > 0) {
      const oldest = this.#entries[this.#head]!;
      this.#entries[this.#head] = undefined as unknown as LogEntry<Message>; // let it be collected now
      this.#head += 1;
      this.#bytes -= oldest.bytes;
      this.#evictedThrough = oldest.seq;
    }
    // Compact once the dead prefix is half the array: amortised O(1), no shift() per eviction.
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The entries numbered above `cursor` that were addressed to `clientId`, oldest first, and the gap if any. */
  replay(cursor: number, clientId: string, memberOf?: MemberOf): Replay<Message> {
    const gap = cursor < this.#evictedThrough ? { from: cursor + 1, to: this.#evictedThrough } : undefined;
    const entries: LogEntry<Message>[] = [];
    for (let index = this.#firstAbove(cursor); index < this.#entries.length; index++) {
      const entry = this.#entries[index]!;
      if (addressedTo(entry, clientId, memberOf)) entries.push(entry);
    }
    return { entries, gap };
  }

  /** Index of the first held entry numbered above `cursor` (binary search: numbers increase). */
  #firstAbove(cursor: number): number {
    let low = this.#head;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#entries[middle]!.seq <= cursor) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
