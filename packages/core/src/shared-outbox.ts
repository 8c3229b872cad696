/**
 * Everything a hub sends to the shared log goes through its outbox, so that an unreachable log
 * (Redis restarting, a network cut) neither loses messages nor stops the node serving its own:
 *
 *   log answers:      append() ------------------------------------------> log.append (pipelined, in order)
 *   an append fails:  append() -> held, in order -> early(entry)            (this node's plain clients, once
 *                                                                            the appends sent before it settled)
 *                                   \-- every retryMs: oldest first ----> log.append
 *   all held taken:   back to appending at once
 *   log -> hub:       returned(entry): was it delivered early? then only framed clients get it now
 *
 * Held messages are bounded by `maxHeldBytes`; past it a message is only delivered early and the
 * hub is told, once per outage and again when the log is back, how many went no further. Every
 * append carries this outbox's origin and a number (`SharedLogEntry.originSeq`), so one that timed
 * out after the log did take it is not appended twice when it is sent again, and is known when it
 * comes back.
 */
import { createId } from './id';
import type { SharedLog, SharedLogAppend, SharedLogEntry } from './shared-log';

/** What a held message costs beyond its payload, so that a flood of tiny ones is bounded too. */
const HELD_OVERHEAD_BYTES = 64;

/** An entry as the hub makes it: the outbox numbers it for retries. */
export type OutboxEntry = Omit<SharedLogAppend, 'origin' | 'originSeq'>;

/** What the outbox needs from its hub. */
export interface OutboxSettings {
  /** Bytes of messages held while the log is unreachable (the hub's `clusterQueueBytes`). */
  readonly maxHeldBytes: number;
  /** Milliseconds between attempts to hand the held messages to the log. */
  readonly retryMs: number;
  /** A message the log does not have yet: the hub delivers it to its own plain clients now. */
  readonly early: (entry: SharedLogAppend) => void;
  /** A fault (the log unreachable, messages it could not hold). */
  readonly report: (error: unknown, context: string) => void;
  /** News that is not a fault (the log is back). */
  readonly log: (message: string) => void;
}

export class SharedOutbox {
  readonly #log: SharedLog;
  readonly #settings: OutboxSettings;
  readonly #origin = createId();
  #originSeq = 0;
  /** Messages waiting for the log, oldest first. */
  readonly #held: SharedLogAppend[] = [];
  #heldBytes = 0;
  /** Messages of this outage that could not be held, and those appended late. */
  #dropped = 0;
  #appendedLate = 0;
  /** The `originSeq`s of held messages delivered early, ascending: the log has not brought them back yet. */
  readonly #early: number[] = [];
  /** The `originSeq`s of appends sent and not settled yet, in the order they were sent (ascending). */
  readonly #inFlight = new Set<number>();
  /** Held messages waiting to be delivered early until every append sent before them has settled. */
  readonly #earlyQueue: SharedLogAppend[] = [];
  /** The highest `originSeq` of this outbox's that came back from the log. */
  #returnedThrough = 0;
  #down = false;
  #retry: NodeJS.Timeout | undefined;
  #flushing = false;
  #closed = false;

  constructor(log: SharedLog, settings: OutboxSettings) {
    this.#log = log;
    this.#settings = settings;
  }

  /** True while the log is unreachable and messages are held for it. */
  get down(): boolean {
    return this.#down;
  }

  /** Sends an entry to the log, or holds it (and has it delivered early) while the log is unreachable. */
  append(entry: OutboxEntry): void {
    if (this.#closed) return;
    const numbered: SharedLogAppend = { ...entry, origin: this.#origin, originSeq: ++this.#originSeq };
    if (this.#down) {
      this.#hold(numbered);
      return;
    }
    const seq = numbered.originSeq!;
    this.#inFlight.add(seq);
    this.#log.append(numbered).then(
      () => this.#settled(seq),
      (error: unknown) => {
        this.#failed(numbered, error);
        this.#settled(seq);
      },
    );
  }

  /**
   * An entry came back from the log (to every node, this one too): true when it is one of this
   * outbox's that was delivered early, so this node's plain clients have it already.
   */
  returned(entry: SharedLogEntry): boolean {
    const seq = entry.originSeq;
    if (entry.origin !== this.#origin || seq === undefined) return false;
    this.#returnedThrough = Math.max(this.#returnedThrough, seq);
    // Earlier ones still waiting never come: they could not be held (an origin's entries come in order).
    while (this.#early.length > 0 && this.#early[0]! < seq) this.#early.shift();
    if (this.#early[0] !== seq) return false;
    this.#early.shift();
    return true;
  }

  /** Stops retrying; what is still held is reported as not sent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    if (this.#held.length > 0) {
      this.#settings.report(new Error(`${this.#held.length} messages held for the shared log were not sent`), 'closing while the shared log is unreachable');
    }
    this.#held.length = 0;
    this.#heldBytes = 0;
    this.#earlyQueue.length = 0;
  }

  #failed(entry: SharedLogAppend, error: unknown): void {
    // Timed out, yet done: the log has already brought it back, and it was delivered.
    if (this.#closed || entry.originSeq! <= this.#returnedThrough) return;
    if (error instanceof TypeError) {
      // The log can never take this one (e.g. a sender that is not JSON): retrying would not help.
      this.#settings.report(error, 'a message could not be sent to the cluster');
      return;
    }
    if (!this.#down) {
      this.#down = true;
      this.#dropped = 0;
      this.#appendedLate = 0;
      this.#settings.report(error, 'the shared log is unreachable: messages are held for it and reach only this node meanwhile');
    }
    this.#hold(entry);
    this.#scheduleRetry();
  }

  /** An append sent at once has settled: held messages waiting behind it may be delivered early. */
  #settled(seq: number): void {
    this.#inFlight.delete(seq);
    this.#releaseEarly();
  }

  /**
   * Delivers early the held messages that no append still in flight came before: a message that
   * failed after later ones were held must not reach this node's clients after them.
   */
  #releaseEarly(): void {
    if (this.#earlyQueue.length === 0) return; // the usual case: nothing held
    const floor: number = this.#inFlight.values().next().value ?? Number.POSITIVE_INFINITY;
    while (this.#earlyQueue.length > 0 && this.#earlyQueue[0]!.originSeq! < floor) this.#settings.early(this.#earlyQueue.shift()!);
  }

  #hold(entry: SharedLogAppend): void {
    const seq = entry.originSeq!;
    let at = this.#earlyQueue.length;
    while (at > 0 && this.#earlyQueue[at - 1]!.originSeq! > seq) at--;
    this.#earlyQueue.splice(at, 0, entry);
    this.#releaseEarly();
    const bytes = (entry.bytes?.byteLength ?? entry.text?.length ?? 0) + HELD_OVERHEAD_BYTES;
    if (this.#heldBytes + bytes > this.#settings.maxHeldBytes) {
      if (this.#dropped++ === 0) {
        this.#settings.report(
          new Error(`clusterQueueBytes (${this.#settings.maxHeldBytes}) is full`),
          'the shared log is still unreachable: messages sent from now on reach only this node',
        );
      }
      return;
    }
    // Appends that were in flight fail after later messages were held: keep the order they were made in.
    at = this.#held.length;
    while (at > 0 && this.#held[at - 1]!.originSeq! > seq) at--;
    this.#held.splice(at, 0, entry);
    this.#heldBytes += bytes;
    at = this.#early.length;
    while (at > 0 && this.#early[at - 1]! > seq) at--;
    this.#early.splice(at, 0, seq);
  }

  #scheduleRetry(): void {
    if (this.#retry || this.#flushing || this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#flush();
    }, this.#settings.retryMs).unref();
  }

  /** Hands the held messages to the log, oldest first, one at a time: a failure leaves the rest in order. */
  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#held.length > 0 && !this.#closed) {
        const entry = this.#held[0]!;
        try {
          await this.#log.append(entry);
        } catch (error) {
          if (!(error instanceof TypeError)) return;
          this.#settings.report(error, 'a message could not be sent to the cluster');
        }
        this.#held.shift();
        this.#appendedLate++;
        this.#heldBytes -= (entry.bytes?.byteLength ?? entry.text?.length ?? 0) + HELD_OVERHEAD_BYTES;
      }
    } finally {
      this.#flushing = false;
      if (this.#held.length > 0) this.#scheduleRetry();
    }
    if (this.#closed) return;
    this.#down = false;
    this.#settings.log(`the shared log is reachable again: ${this.#appendedLate} held messages appended`);
    if (this.#dropped > 0) {
      const error = new Error(`${this.#dropped} messages sent while the shared log was unreachable reached only this node's plain clients`);
      this.#settings.report(error, 'clusterQueueBytes was full');
    }
  }
}
