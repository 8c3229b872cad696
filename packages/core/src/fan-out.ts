/**
 * Delivering one logged message to many clients: the broadcast loop, the hottest path of all.
 *
 * A frame is encoded once per wire format and shared, and nothing is allocated per recipient. A
 * fan-out that has written for `sliceMs` (the hub's `fanOutSliceMs`) yields the event loop and
 * goes on in a later turn, so that one broadcast to tens of thousands of clients does not hold up
 * every other socket, request and timer of the process for its whole length:
 *
 *   deliver(entry, clients) -> write for sliceMs -> out of time: the rest is what the iterator
 *   had left -> setImmediate -> write for sliceMs -> ... -> the promise resolves
 *
 * A slice's time counts the writes it leads to. An HTTP session writes what it was given once the
 * tick ends (so that a burst leaves in one write), which would put the costliest part of a slice
 * to many sessions after its deadline, bounded by nothing. So once a slice has run for half its
 * time (a later slice: from its start, as its tick holds nothing else), it runs the tick's end at
 * each look at the clock. A fan-out too short for that keeps the tick's coalescing.
 *
 * The hub's deliveries wait for that promise, so everything sent after the broadcast still
 * reaches each client after it. Once a few deliveries wait behind a fan-out, it writes on
 * without yielding: a process that sends faster than it can write then sees its own timers and
 * I/O slow down, as with a synchronous loop, instead of a queue of broadcasts that grows (and
 * delivers later and later) for as long as the overload lasts. One or two waiting are no
 * overload: the next broadcast, due while this one still yields, at a pace the core keeps.
 *
 * Broadcasts sent while a fan-out yields wait behind it, and like ones wait together (see
 * WaitingFanOut): the next fan-out hands each recipient all of them in a row, corked, so that a
 * socket takes them in one write and a long poll answers with all of them. The busier the process,
 * the more each write carries, so a backlog shrinks where one write per message would let it grow.
 *
 * The recipients are those of the moment it was sent. A client that attaches, or resumes, while
 * a fan-out is under way is skipped by the rest of it: a new client was not there, and a resumed
 * one has just been replayed the log, this message included. One that joins the channel meanwhile
 * is not in what the iterator had left.
 */
import type { Client } from './client';
import type { LogEntry } from './message-log';
import type { OutboundMessage } from './message';
import { flushTickEnd } from './tick-cork';
import type { Connection } from './transport';

/** How many frames are written between two looks at the clock. */
const WRITES_PER_CLOCK_READ = 64;

/** A fan-out with this many deliveries waiting behind it stops yielding (see above). */
const WAITING_FOR_OVERLOAD = 4;

/**
 * Who a fan-out goes to: a live iterator of a Map, a Set or an Array, read once. Not a generator:
 * a slice that stops early leaves the loop, which would close one (built-in iterators have no
 * `return()`, and go on where the slice stopped).
 */
export type Recipients = IterableIterator<Client>;

/** Which recipients to leave out: `except`, and those `only` refuses. */
export interface RecipientFilter {
  readonly except: Client | undefined;
  readonly only: ((client: Client) => boolean) | undefined;
}

/** The hub's queue of deliveries: how many wait behind the one running. */
export interface DeliveryQueue {
  readonly waiting: number;
}

/** Writes the hub's fan-outs, a slice of `sliceMs` at a time; one fan-out at a time (the hub's deliveries are serial). */
export class FanOutWriter {
  readonly #sliceMs: number;
  readonly #queue: DeliveryQueue;
  readonly #report: (error: unknown) => void;
  /** While a fan-out is between slices: the clients attached since, which the rest of it skips. */
  #late: Set<Client> | undefined;

  /** `report`: what a later slice throws (the first throws to the caller, as any synchronous call). */
  constructor(sliceMs: number, queue: DeliveryQueue, report: (error: unknown) => void) {
    this.#sliceMs = sliceMs;
    this.#queue = queue;
    this.#report = report;
  }

  /** The hub attached a new client, or a new connection to a client: a fan-out under way leaves it out. */
  attached(client: Client): void {
    this.#late?.add(client);
  }

  /**
   * Delivers `entries` (one message, or like broadcasts that waited together) to `recipients`,
   * each recipient all of them in a row: undefined once all have them, else a promise for when
   * the last slice is written.
   */
  deliver(entries: readonly LogEntry<OutboundMessage>[], recipients: Recipients, filter: RecipientFilter): Promise<void> | undefined {
    const writeSlice = entries.length === 1 ? writeOneSlice : writeManySlice;
    if (writeSlice(entries, recipients, filter, undefined, this.#clock(false))) return undefined;
    // Taken now: a Map's or a Set's iterator would also visit clients (or members) added before the next slice.
    const rest = remainingOf(recipients);
    if (rest.length === 0) return undefined;
    const late = new Set<Client>();
    this.#late = late;
    return new Promise<void>((resolve) => {
      const remaining = rest.values();
      const next = (): void => {
        let done = true;
        try {
          done = writeSlice(entries, remaining, filter, late, this.#clock(true));
        } catch (error) {
          this.#report(error);
        }
        if (!done) {
          setImmediate(next);
          return;
        }
        this.#late = undefined;
        resolve();
      };
      setImmediate(next);
    });
  }

  /**
   * The times of the slice that starts now (`later`: not the fan-out's first): never out of time
   * once the process is overloaded (see above), and then the tick's end keeps all it coalesces.
   */
  #clock(later: boolean): SliceClock {
    if (this.#sliceMs === Number.POSITIVE_INFINITY || this.#queue.waiting >= WAITING_FOR_OVERLOAD) return UNBOUNDED;
    const now = performance.now();
    return { deadline: now + this.#sliceMs, flushFrom: later ? now : now + this.#sliceMs / 2 };
  }
}

/** When a slice must end, and from when it runs the tick's end at each look at the clock (see above). */
interface SliceClock {
  readonly deadline: number;
  readonly flushFrom: number;
}

const UNBOUNDED: SliceClock = { deadline: Number.POSITIVE_INFINITY, flushFrom: Number.POSITIVE_INFINITY };

/** A slice's look at the clock: whether it is out of time, the writes it led to counted. */
function outOfTime(clock: SliceClock): boolean {
  if (clock.deadline === Number.POSITIVE_INFINITY) return false;
  if (performance.now() < clock.flushFrom) return false; // before flushFrom, also before the deadline
  flushTickEnd();
  return performance.now() >= clock.deadline;
}

/** The signature of both slice writers. */
type SliceWriter = (
  entries: readonly LogEntry<OutboundMessage>[],
  recipients: Recipients,
  filter: RecipientFilter,
  late: Set<Client> | undefined,
  clock: SliceClock,
) => boolean;

/** Writes one message to recipients until they run out (true) or the slice is out of time (false). */
const writeOneSlice: SliceWriter = (entries, recipients, filter, late, clock) => {
  const entry = entries[0]!;
  let format: unknown;
  let frame: unknown;
  let written = 0;
  // for-of rather than next() calls: V8 then inlines the built-in iterator into this loop.
  for (const client of recipients) {
    const connection = connectionOf(client, filter, late);
    if (connection === undefined) continue;
    if (connection.format !== format) {
      format = connection.format;
      frame = frameOf(entry, connection);
    }
    client.deliver(entry.message, frame);
    if (++written % WRITES_PER_CLOCK_READ === 0 && outOfTime(clock)) return false;
  }
  return true;
};

/**
 * {@link writeOneSlice} for several messages: each recipient gets all of them in a row, its
 * connection corked meanwhile, so that its socket takes them in one write. A loop of its own so
 * that the one-message loop, by far the most common, stays as small as it is.
 */
const writeManySlice: SliceWriter = (entries, recipients, filter, late, clock) => {
  const count = entries.length;
  const frames = new Array<unknown>(count);
  let format: unknown;
  let written = 0;
  let nextClockRead = WRITES_PER_CLOCK_READ;
  for (const client of recipients) {
    const connection = connectionOf(client, filter, late);
    if (connection === undefined) continue;
    if (connection.format !== format) {
      format = connection.format;
      for (let index = 0; index < count; index++) frames[index] = frameOf(entries[index]!, connection);
    }
    // Uncorked here, not at the tick's end: the slice's deadline then counts the writes themselves.
    connection.cork?.();
    for (let index = 0; index < count; index++) client.deliver(entries[index]!.message, frames[index]);
    connection.uncork?.();
    written += count;
    if (written >= nextClockRead) {
      nextClockRead = written + WRITES_PER_CLOCK_READ;
      if (outOfTime(clock)) return false;
    }
  }
  return true;
};

/** The connection a slice writes `client`'s frames to; undefined for a recipient it skips (left out, late, or detached). Small enough for V8 to inline into both loops. */
function connectionOf(client: Client, filter: RecipientFilter, late: Set<Client> | undefined): Connection | undefined {
  const { except, only } = filter;
  if (client === except || (only !== undefined && !only(client)) || late?.has(client)) return undefined;
  return client.connection;
}

/** What the iterator has left, read to its end now. */
function remainingOf(recipients: Recipients): Client[] {
  return Array.from(recipients);
}

/** The frame of a logged message for `connection`'s format: encoded once per format, then shared. */
export function frameOf(entry: LogEntry<OutboundMessage>, connection: Connection): unknown {
  const format = connection.format;
  let frame = entry.frames.get(format);
  if (frame === undefined) {
    frame = format.encode(entry.message);
    entry.frames.set(format, frame);
  }
  return frame;
}
