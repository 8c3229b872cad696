import { randomUUID } from 'node:crypto';
import type { SharedLog, SharedLogAppend, SharedLogEntry, SharedLogRange } from '@grappler/core';
import type { Redis } from 'ioredis';
import { borrowConnection, type Connection, openConnection } from './connection';
import { createContext, type StorageContext } from './context';
import { closedError, storageError } from './errors';
import { keyNames } from './key-names';
import { decodeEntry, encodeEntry, seqOfId } from './log-entry';
import { type RedisLogOptions, type RedisLogSettings, resolveRedisLogOptions } from './log-options';
import { APPEND } from './log-scripts';
import { type LogPosition, runSubscriber } from './log-subscriber';
import { MAX_TIMER_MS } from './options';

type LogLimits = Pick<RedisLogSettings, 'maxEntries' | 'maxAgeMs' | 'blockMs' | 'commandTimeoutMs' | 'maxReconnectDelayMs'>;

/** Reads an ioredis MULTI reply: the replies in order, or the first command's error. */
function execReplies(replies: [Error | null, unknown][] | null): unknown[] {
  if (replies === null) throw new Error('the transaction was aborted');
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

/** The log's epoch and counter, giving it an epoch if it has none (one transaction). */
async function locate(client: Redis, meta: string): Promise<LogPosition> {
  const replies = execReplies(await client.multi().hsetnx(meta, 'epoch', randomUUID()).hmget(meta, 'epoch', 'seq').exec());
  const [epoch, seq] = replies[1] as [string, string | null];
  return { epoch, last: Number(seq ?? 0) };
}

/** A non-negative safe integer, or a TypeError naming the call. */
function cursor(after: number): string {
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new TypeError(`range: "after" must be an integer of 0 or more, got ${String(after)}`);
  }
  return String(after);
}

type StreamEntries = [Buffer, Buffer[]][];

/** Builds a log on a connection; `redisLog()` is this with the connection made from options. */
export function createRedisLog(connection: Connection, keyPrefix: string, limits: LogLimits): SharedLog {
  let closed = false;
  const names = keyNames(keyPrefix);
  const ctx: StorageContext = createContext(connection, names, Number.POSITIVE_INFINITY, () => closed);
  const { client } = connection;
  const trim = [String(limits.maxEntries), String(limits.maxAgeMs)].map((v) => (v === 'Infinity' ? 'inf' : v));
  let subscriber: { stop(): Promise<void> } | undefined;

  const decode = (operation: string, entries: StreamEntries): SharedLogEntry[] =>
    entries.map(([id, fields]) => {
      try {
        return decodeEntry(id, fields);
      } catch (error) {
        throw storageError(operation, error); // an entry some other program wrote under this prefix
      }
    });

  return {
    async append(entry: SharedLogAppend): Promise<number> {
      ctx.assertOpen();
      const fields = encodeEntry(entry);
      // An origin and its number make a retry safe: the script appends each (origin, originSeq) once.
      const { origin, originSeq } = entry;
      const args = [randomUUID(), ...trim, origin === undefined ? '' : String(originSeq), ...fields];
      const keys = [names.log, names.logMeta, names.logMarks, origin === undefined ? names.logMeta : names.logOrigin(origin)];
      // EVAL, not EVALSHA with EVAL on NOSCRIPT: after a NOSCRIPT (first use, a restarted Redis)
      // the retried EVAL would be overtaken by appends sent after it, and a node's appends must
      // keep the order it made them in. Redis caches the compiled script either way.
      return Number(await ctx.send('append', () => client.eval(APPEND.source, keys.length, ...keys, ...args)));
    },

    subscribe(onEntry, onError) {
      if (closed) throw closedError('log');
      if (subscriber) throw new Error('@grappler/storage-redis: this log already has a subscriber');
      // Read where to start on the main connection now, before any later append() on it.
      const start = ctx.send('subscribe', () => locate(client, names.logMeta));
      start.catch(() => {}); // the loop handles it
      const reader = client.duplicate({
        connectionName: 'grappler-log-reader',
        commandTimeout: Math.min(limits.blockMs + limits.commandTimeoutMs, MAX_TIMER_MS),
        // A read in flight when the connection drops fails at once, and is not sent again
        // unseen: the loop retries it from the last number delivered.
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        enableOfflineQueue: true,
        lazyConnect: false,
      });
      let lastError: Error | undefined;
      reader.on('error', (error: Error) => {
        lastError = error;
      });
      subscriber = runSubscriber(
        {
          reader,
          names,
          blockMs: limits.blockMs,
          maxReconnectDelayMs: limits.maxReconnectDelayMs,
          start,
          locate: (on) => locate(on, names.logMeta),
          unreachable: () => (reader.status === 'ready' ? undefined : lastError),
        },
        onEntry,
        onError,
      );
      // Settles once the start is known: whatever is appended after that is delivered.
      return start.then(
        () => undefined,
        () => undefined,
      );
    },

    async range(after: number): Promise<SharedLogRange> {
      ctx.assertOpen();
      const from = `(0-${cursor(after)}`;
      const replies = await ctx.send('range', async () =>
        execReplies(
          await client
            .multi()
            .xrangeBuffer(names.log, '-', '+', 'COUNT', 1)
            .xrangeBuffer(names.log, from, '+')
            .hget(names.logMeta, 'seq')
            .exec(),
        ),
      );
      const [oldest, held, seq] = replies as [StreamEntries, StreamEntries, string | null];
      const first = oldest[0];
      const evictedThrough = first ? seqOfId(first[0].toString()) - 1 : Number(seq ?? 0);
      return { entries: decode('range', held), evictedThrough };
    },

    async newest(): Promise<number> {
      ctx.assertOpen();
      return Number((await ctx.send('newest', () => client.hget(names.logMeta, 'seq'))) ?? 0);
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await subscriber?.stop();
      await connection.close();
    },
  };
}

/**
 * A {@link SharedLog} in Redis, for several hubs acting as one: every entry any node appends gets
 * the next number of one counter and lands in one stream in that order, and every node's
 * subscriber delivers them all in that order. Entries older than `maxAgeMs` or past about
 * `maxEntries` are trimmed; `range()` says how far (`evictedThrough`). `append`, `range` and
 * `newest` reject with `ERR_STORAGE` within `commandTimeoutMs` when Redis fails, `ERR_CLOSED`
 * after `close()`; the subscriber reports failures and gaps to `onError` and keeps going.
 *
 * @example
 * ```ts
 * import { redisLog } from '@grappler/storage-redis';
 * const log = redisLog({ url: 'redis://127.0.0.1:6379' });
 * log.subscribe((entry) => console.log(entry.seq, entry.text), (error) => console.error(error));
 * await log.append({ node: 'node-a', channel: 'lobby', text: 'hi', time: Date.now() });
 * ```
 */
export function redisLog(options: RedisLogOptions): SharedLog {
  const { url, client, keyPrefix, maxEntries, maxAgeMs, blockMs, ...settings } = resolveRedisLogOptions(options);
  const connection = client ? borrowConnection(client) : openConnection(url!, settings, 'grappler-log');
  const { commandTimeoutMs, maxReconnectDelayMs } = settings;
  return createRedisLog(connection, keyPrefix, { maxEntries, maxAgeMs, blockMs, commandTimeoutMs, maxReconnectDelayMs });
}
