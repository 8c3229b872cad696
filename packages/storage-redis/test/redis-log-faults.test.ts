import { randomUUID } from 'node:crypto';
import { isGrapplerError, type SharedLog } from '@grappler/core';
import { startRedis, type TestRedis } from '@grappler/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LogGapError, type RedisLogOptions, redisLog } from '../src/index';
import { type Seen, sleep, until, watch } from './log-helpers';

let redis: TestRedis;
let admin: Redis;
const opened: SharedLog[] = [];
/** Two nodes on one fresh log: `a` subscribes (short reads, quick retries), `b` appends. */
const nodes = (options: Omit<RedisLogOptions, 'url' | 'client' | 'keyPrefix'> = {}) => {
  const keyPrefix = `${randomUUID()}:`;
  const a = redisLog({ url: redis.url, keyPrefix, blockMs: 100, commandTimeoutMs: 200, maxReconnectDelayMs: 100, ...options });
  const b = redisLog({ url: redis.url, keyPrefix, commandTimeoutMs: 3_000, maxReconnectDelayMs: 100 });
  opened.push(a, b);
  return { a, b, keyPrefix };
};
const entry = (i: number) => ({ node: 'b', text: `m${i}`, time: i });
const seqs = (seen: Seen): number[] => seen.entries.map((e) => e.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const gaps = (seen: Seen): LogGapError[] => seen.errors.filter((error) => 'gap' in error) as LogGapError[];
/** Appends `count` entries one after the other, retrying each until Redis takes it. */
const appendAll = async (log: SharedLog, from: number, count: number): Promise<number[]> => {
  const numbers: number[] = [];
  for (let i = from; i < from + count; i++) {
    for (;;) {
      try {
        numbers.push(await log.append(entry(i)));
        break;
      } catch {
        await sleep(50);
      }
    }
  }
  return numbers;
};
const readerIds = async (): Promise<string[]> =>
  ((await admin.client('LIST')) as string)
    .split('\n')
    .filter((line) => line.includes(' name=grappler-log-reader '))
    .map((line) => /^id=(\d+)/.exec(line)![1]!);

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((log) => log.close()));
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

describe('a subscriber when Redis stalls or drops it', () => {
  it('reports a stalled Redis (CLIENT PAUSE), then resumes with nothing skipped or repeated', async () => {
    const { a, b } = nodes();
    const seen = watch(a);
    await sleep(50);
    const first = await appendAll(b, 1, 10);
    await until(() => seen.entries.length === 10, 5_000, 'the first 10');
    await admin.client('PAUSE', '800', 'ALL');
    // b's appends wait out the pause (its commandTimeoutMs is longer); a's read times out.
    const rest = await appendAll(b, 11, 30);
    await until(() => seen.entries.length >= 40, 5_000, '40 entries');
    await sleep(150);
    expect([...first, ...rest]).toEqual(range(1, 40));
    expect(seqs(seen)).toEqual(range(1, 40));
    expect(seen.entries.map((e) => e.text)).toEqual(range(1, 40).map((i) => `m${i}`));
    expect(seen.errors.length).toBeGreaterThanOrEqual(1);
    expect(seen.errors.every((error) => isGrapplerError(error) && error.code === 'ERR_STORAGE')).toBe(true);
    expect(seen.errors[0]!.message).toMatch(/subscribe failed/);
    expect(gaps(seen)).toEqual([]);
  });

  it('resumes from its last entry when its connection is killed while another node appends', async () => {
    const { a, b } = nodes();
    const seen = watch(a);
    await sleep(50);
    const appending = appendAll(b, 1, 200);
    for (let kill = 0; kill < 3; kill++) {
      await until(() => seen.entries.length >= 40 * (kill + 1), 5_000, 'more entries');
      for (const id of await readerIds()) await admin.client('KILL', 'ID', id);
    }
    expect(await appending).toEqual(range(1, 200));
    await until(() => seen.entries.length >= 200, 5_000, '200 entries');
    await sleep(150);
    expect(seqs(seen)).toEqual(range(1, 200));
    expect(seen.errors.length).toBeGreaterThanOrEqual(1);
    expect(gaps(seen)).toEqual([]);
  });
});

describe('a subscriber facing lost entries', () => {
  /** Runs `commands` on the log's keys in one transaction, as if other nodes appended meanwhile. */
  const foreign = (keyPrefix: string, from: number, to: number) => {
    const multi = admin.multi().hincrby(`${keyPrefix}log:meta`, 'seq', to - from + 1);
    for (let i = from; i <= to; i++) multi.xadd(`${keyPrefix}log`, `0-${i}`, 'node', 'x', 'time', String(i), 'text', `m${i}`);
    return multi;
  };

  it('reports entries trimmed before it read them, naming the gap, and goes on from the oldest held', async () => {
    const { a, b, keyPrefix } = nodes();
    const seen = watch(a);
    await sleep(50);
    await appendAll(b, 1, 2);
    await until(() => seen.entries.length === 2, 5_000, 'entries 1 and 2');
    await foreign(keyPrefix, 3, 10).xtrim(`${keyPrefix}log`, 'MINID', '0-8').exec();
    await until(() => seen.entries.length === 5, 5_000, 'entries 8 to 10');
    expect(seqs(seen)).toEqual([1, 2, 8, 9, 10]);
    expect(gaps(seen)).toMatchObject([{ code: 'ERR_STORAGE', gap: 'trimmed', lastDelivered: 2, evictedThrough: 7 }]);
    expect(gaps(seen)[0]!.message).toMatch(/entries 3 to 7 were trimmed/);
  });

  it('reports a gap when every entry after its last was trimmed', async () => {
    const { a, b, keyPrefix } = nodes();
    const seen = watch(a);
    await sleep(50);
    await appendAll(b, 1, 1);
    await until(() => seen.entries.length === 1, 5_000, 'entry 1');
    await foreign(keyPrefix, 2, 6).xtrim(`${keyPrefix}log`, 'MAXLEN', '0').exec();
    await until(() => gaps(seen).length === 1, 5_000, 'the gap');
    expect(await appendAll(b, 7, 1)).toEqual([7]);
    await until(() => seen.entries.length === 2, 5_000, 'entry 7');
    expect(seqs(seen)).toEqual([1, 7]);
    expect(gaps(seen)).toMatchObject([{ gap: 'trimmed', lastDelivered: 1, evictedThrough: 6 }]);
  });

  it('reports a log gone back to an older copy (counter below its last entry) and follows the new numbers', async () => {
    const { a, b, keyPrefix } = nodes();
    const seen = watch(a);
    await sleep(50);
    await appendAll(b, 1, 5);
    await until(() => seen.entries.length === 5, 5_000, '5 entries');
    // What a Redis restored from a snapshot taken after entry 2 holds (the same epoch, older data).
    await admin
      .multi()
      .hset(`${keyPrefix}log:meta`, 'seq', '2')
      .del(`${keyPrefix}log`)
      .xadd(`${keyPrefix}log`, '0-1', 'node', 'b', 'time', '1', 'text', 'm1')
      .xadd(`${keyPrefix}log`, '0-2', 'node', 'b', 'time', '2', 'text', 'm2')
      .exec();
    await until(() => gaps(seen).length === 1, 5_000, 'the rewind');
    expect(gaps(seen)).toMatchObject([{ gap: 'rewound', lastDelivered: 5, evictedThrough: 2 }]);
    expect(await appendAll(b, 6, 1)).toEqual([3]);
    await until(() => seen.entries.length === 6, 5_000, 'the new entry 3');
    expect(seqs(seen)).toEqual([1, 2, 3, 4, 5, 3]);
    expect(seen.entries[5]!.text).toBe('m6');
  });

  it('refuses an append when the stream is ahead of the counter, leaving the counter as it was', async () => {
    const { b, keyPrefix } = nodes();
    await appendAll(b, 1, 3);
    await admin.hset(`${keyPrefix}log:meta`, 'seq', '1'); // as if the counter alone went back
    await expect(b.append(entry(4))).rejects.toMatchObject({ code: 'ERR_STORAGE', message: /equal or smaller/ });
    expect(await b.newest()).toBe(1);
  });
});

describe('a Redis restarted without persistence', () => {
  it('loses the log: the subscriber reports a reset, and the numbers start again at 1', async () => {
    const other = await startRedis();
    try {
      const keyPrefix = `${randomUUID()}:`;
      const open = (options: Omit<RedisLogOptions, 'url' | 'client'>) => {
        const log = redisLog({ url: other.url, keyPrefix, maxReconnectDelayMs: 100, ...options });
        opened.push(log);
        return log;
      };
      const a = open({ blockMs: 100, commandTimeoutMs: 300 });
      const b = open({ commandTimeoutMs: 1_000 });
      const seen = watch(a);
      await sleep(50);
      expect(await appendAll(b, 1, 5)).toEqual(range(1, 5));
      await until(() => seen.entries.length === 5, 5_000, '5 entries');
      await other.restart();
      // Another node appends once Redis is back: the new log numbers its entries from 1.
      expect(await appendAll(b, 6, 3)).toEqual([1, 2, 3]);
      await until(() => seen.entries.length === 8, 5_000, 'the new log’s entries');
      expect(seqs(seen)).toEqual([1, 2, 3, 4, 5, 1, 2, 3]);
      expect(seen.entries.slice(5).map((e) => e.text)).toEqual(['m6', 'm7', 'm8']);
      expect(gaps(seen)).toMatchObject([{ code: 'ERR_STORAGE', gap: 'reset', lastDelivered: 5, evictedThrough: 0 }]);
      expect(gaps(seen)[0]!.message).toMatch(/Redis lost the log/);
      expect(await b.newest()).toBe(3);
      expect(await b.range(0)).toMatchObject({ evictedThrough: 0, entries: [{ seq: 1 }, { seq: 2 }, { seq: 3 }] });
    } finally {
      await Promise.all(opened.splice(0).map((log) => log.close()));
      await other.stop();
    }
  });

  it('notices the reset even when no node appends after the restart', async () => {
    const other = await startRedis();
    try {
      const log = redisLog({ url: other.url, blockMs: 100, commandTimeoutMs: 300, maxReconnectDelayMs: 100 });
      opened.push(log);
      const seen = watch(log);
      await sleep(50);
      await log.append(entry(1));
      await until(() => seen.entries.length === 1, 5_000, 'entry 1');
      await other.restart();
      await until(() => gaps(seen).length === 1, 5_000, 'the reset');
      expect(gaps(seen)).toMatchObject([{ gap: 'reset', lastDelivered: 1 }]);
      expect(await log.append(entry(2))).toBe(1);
      await until(() => seen.entries.length === 2, 5_000, 'the new entry 1');
      expect(gaps(seen)).toHaveLength(1);
    } finally {
      await Promise.all(opened.splice(0).map((log) => log.close()));
      await other.stop();
    }
  });
});
