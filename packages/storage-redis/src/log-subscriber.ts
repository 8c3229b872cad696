/**
 * The subscriber of a shared log: one loop on a connection of its own.
 *
 *   start: the log's epoch and counter (the newest number), read when subscribe() is called
 *   loop:  [HMGET meta epoch seq, XREAD COUNT … BLOCK blockMs STREAMS log 0-<last>]  (one pipeline)
 *          -> epoch changed?  report 'reset', start again from the new log's first entry
 *          -> counter < last? report 'rewound', go on from the counter
 *          -> each entry in order: a number past last + 1 reports 'trimmed' first; onEntry; last = n
 *   error: report the first failure of an outage, retry with backoff (50 ms doubling up to
 *          maxReconnectDelayMs); nothing but `last` carries over, so a retry reads on from there
 *   stop:  disconnect the connection (the pending XREAD rejects at once) and end the loop
 *
 * The epoch and counter are read just before each blocking read, so a Redis that lost the log
 * while this connection stayed up (or came back between two reads) is noticed within blockMs.
 */
import { isGrapplerError, type SharedLogEntry } from '@grappler/core';
import type { Redis } from 'ioredis';
import { backoffMs } from './connection';
import { logGapError, storageError } from './errors';
import type { KeyNames } from './key-names';
import { decodeEntry, seqOfId } from './log-entry';

/** Entries fetched per read: bounds what one reply holds. */
const READ_BATCH = 256;

/** Which log the subscriber reads (its epoch) and the last number it delivered. */
export interface LogPosition {
  readonly epoch: string;
  readonly last: number;
}

export interface SubscriberOptions {
  readonly reader: Redis;
  readonly names: KeyNames;
  readonly blockMs: number;
  readonly maxReconnectDelayMs: number;
  /** Where to start: the log's position when subscribe() was called (read on another connection). */
  readonly start: Promise<LogPosition>;
  /** Reads the log's position now (setting an epoch if it has none): after a reset, or when `start` failed. */
  readonly locate: (client: Redis) => Promise<LogPosition>;
  /** Why the reader cannot reach Redis, while it cannot. */
  readonly unreachable: () => Error | undefined;
}

type StreamReply = [Buffer, [Buffer, Buffer[]][]][] | null;

/** Runs the loop until `stop()`; `stop()` resolves once it has ended. */
export function runSubscriber(
  options: SubscriberOptions,
  onEntry: (entry: SharedLogEntry) => void,
  onError: (error: Error) => void,
): { stop(): Promise<void> } {
  const { reader, names, blockMs } = options;
  let stopped = false;
  let wake: (() => void) | undefined;
  const report = (error: Error): void => {
    try {
      onError(error);
    } catch {
      // The application's handler failed: nothing else to tell it.
    }
  };

  /** Delivers one read's entries after `last`; returns the new last number. */
  const deliver = (reply: StreamReply, last: number): number => {
    for (const [id, fields] of reply?.[0]?.[1] ?? []) {
      const seq = seqOfId(id.toString());
      if (!(seq > last)) continue;
      if (seq > last + 1) report(logGapError('trimmed', last, seq - 1));
      last = seq;
      let entry: SharedLogEntry;
      try {
        entry = decodeEntry(id, fields);
      } catch (error) {
        report(storageError('subscribe', error, `entry ${seq} is skipped`));
        continue;
      }
      try {
        onEntry(entry);
      } catch (error) {
        report(error instanceof Error ? error : new Error(String(error)));
      }
      if (stopped) break;
    }
    return last;
  };

  /** One pipeline: the log's epoch and counter, then a blocking read after `last`. */
  const read = async (last: number): Promise<[(string | null)[], StreamReply]> => {
    const replies = await reader
      .pipeline()
      .hmget(names.logMeta, 'epoch', 'seq')
      .xreadBuffer('COUNT', READ_BATCH, 'BLOCK', blockMs, 'STREAMS', names.log, `0-${last}`)
      .exec();
    const [meta, stream] = replies ?? [];
    if (!meta || !stream) throw new Error('the pipeline was aborted');
    if (meta[0]) throw meta[0];
    if (stream[0]) throw stream[0];
    return [meta[1] as (string | null)[], stream[1] as StreamReply];
  };

  /** The position after one read, reporting a reset, a rewind or a trimmed gap on the way. */
  const step = async (position: LogPosition): Promise<LogPosition> => {
    const [[epoch, seqText], reply] = await read(position.last);
    if (stopped) return position;
    if (epoch !== position.epoch) {
      report(logGapError('reset', position.last, 0));
      return { ...(await options.locate(reader)), last: 0 };
    }
    const counter = Number(seqText ?? 0);
    if (counter < position.last) {
      report(logGapError('rewound', position.last, counter));
      return { epoch, last: counter };
    }
    const last = deliver(reply, position.last);
    // Nothing held after `last` although the counter had passed it: those entries were trimmed.
    if (reply === null && counter > last) {
      report(logGapError('trimmed', last, counter));
      return { epoch, last: counter };
    }
    return { epoch, last };
  };

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(), ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = async (): Promise<void> => {
    let position: LogPosition | undefined;
    let failures = 0;
    let start: Promise<LogPosition> | undefined = options.start;
    while (!stopped) {
      try {
        position ??= await (start ?? options.locate(reader));
        position = await step(position);
        failures = 0;
      } catch (error) {
        start = undefined;
        if (stopped) break;
        failures += 1;
        if (failures === 1) {
          const unreachable = options.unreachable();
          // The start, read on the main connection, failed as ERR_STORAGE already.
          const context = unreachable && `Redis unreachable: ${unreachable.message}; retrying`;
          report(isGrapplerError(error) ? error : storageError('subscribe', error, context));
        }
        await pause(backoffMs(failures, options.maxReconnectDelayMs));
      }
    }
  };

  const done = loop();
  return {
    async stop() {
      stopped = true;
      reader.disconnect();
      wake?.();
      await done;
    },
  };
}
