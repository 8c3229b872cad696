import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isGrapplerError, type SharedLog, type SharedLogAppend } from '@grappler/core';
import { startRedis, type TestRedis } from '@grappler/testkit';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisLogOptions, redisLog } from '../src/index';
import { sleep, timed, until, watch } from './log-helpers';

let redis: TestRedis;
let admin: Redis;
const opened: SharedLog[] = [];
const open = (options: Omit<RedisLogOptions, 'url' | 'client'> = {}): SharedLog => {
  const log = redisLog({ url: redis.url, keyPrefix: `${randomUUID()}:`, ...options });
  opened.push(log);
  return log;
};
/** A second node on the same log as `options.keyPrefix`. */
const node = (keyPrefix: string, options: Omit<RedisLogOptions, 'url' | 'client' | 'keyPrefix'> = {}): SharedLog =>
  open({ keyPrefix, ...options });
const text = (node: string, i: number): SharedLogAppend => ({ node, channel: 'lobby', text: `${node}-${i}`, time: i });

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  // Small stream nodes, so that `MAXLEN ~` trims at small sizes too.
  await admin.config('SET', 'stream-node-max-entries', '4');
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((log) => log.close()));
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

describe('redisLog with two nodes', () => {
  it('numbers concurrent appends 1..1000 and both subscribers see each once, in the same order', async () => {
    const prefix = `${randomUUID()}:`;
    const [a, b] = [node(prefix), node(prefix)];
    const [seenA, seenB] = [watch(a), watch(b)];
    await sleep(50); // both subscribers have read their starting point
    const sent: Promise<number>[] = [];
    for (let i = 0; i < 500; i++) {
      sent.push(a.append(text('a', i)));
      const bytes = new Uint8Array([i & 0xff, 0, 0xff, 0x0d, 0x0a, (i >> 8) & 0xff]);
      sent.push(b.append(i % 5 === 0 ? { node: 'b', to: `c${i}`, bytes, time: i } : text('b', i)));
    }
    const numbers = await Promise.all(sent);
    expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    await until(() => seenA.entries.length >= 1000 && seenB.entries.length >= 1000, 10_000, '1000 entries on each node');
    await sleep(50);
    expect(seenA.errors).toEqual([]);
    expect(seenB.errors).toEqual([]);
    expect(seenA.entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(seenB.entries).toEqual(seenA.entries);
    for (const who of ['a', 'b']) {
      const own = seenA.entries.filter((entry) => entry.node === who).map((entry) => entry.time);
      expect(own).toEqual(Array.from({ length: 500 }, (_, i) => i)); // in the order that node made them
    }
    // Each append resolved with the number its entry was delivered under.
    for (const [i, n] of numbers.entries()) expect(seenA.entries[n - 1]!.time).toBe(Math.floor(i / 2));
    const binary = seenB.entries.find((entry) => entry.to === 'c5')!;
    expect(binary).toMatchObject({ node: 'b', time: 5 });
    expect(binary.text).toBeUndefined();
    expect([...binary.bytes!]).toEqual([5, 0, 0xff, 0x0d, 0x0a, 0]);
    expect(await a.newest()).toBe(1000);
  });

  it('carries every field: addressing, text or bytes, time, sender and reply as JSON', async () => {
    const prefix = `${randomUUID()}:`;
    const [a, b] = [node(prefix), node(prefix)];
    const entries: SharedLogAppend[] = [
      { node: 'a', except: 'c1', channel: 'room', text: 'héllo\u{1f600}\r\n\0', time: 1_700_000_000_123, sender: { id: 'c1', n: [1] } },
      { node: 'a', to: 'c2', bytes: new Uint8Array(256).map((_, i) => i), time: 2, reply: { ok: true, id: 7 } },
      { node: 'b', text: '', time: 3, sender: null },
    ];
    for (const entry of entries) await a.append(entry);
    const { entries: held } = await b.range(0);
    expect(held).toEqual(entries.map((entry, i) => ({ ...entry, seq: i + 1 })));
    expect(held[1]!.bytes).toBeInstanceOf(Uint8Array);
  });

  it('appends an origin’s entry once: a retry with the same or a lower originSeq is not appended again', async () => {
    const prefix = `${randomUUID()}:`;
    const [a, b] = [node(prefix), node(prefix)];
    const seen = watch(b);
    await sleep(50); // the subscriber has read its starting point
    const from = (origin: string, originSeq: number): SharedLogAppend => ({ node: 'a', text: `${origin}-${originSeq}`, time: originSeq, origin, originSeq });
    expect(await a.append(from('p1', 1))).toBe(1);
    expect(await a.append(from('p1', 2))).toBe(2);
    expect(await a.append(from('p1', 2))).toBe(0); // sent again after a timeout: held already
    expect(await a.append(from('p1', 1))).toBe(0);
    expect(await b.append(from('p2', 1))).toBe(3); // another origin numbers its own
    expect(await a.append(from('p1', 3))).toBe(4);
    expect(await a.append(text('a', 9))).toBe(5); // no origin: always appended
    await until(() => seen.entries.length === 5, 5_000, 'five entries');
    await sleep(50);
    expect(seen.entries.map((entry) => [entry.seq, entry.text, entry.origin, entry.originSeq])).toEqual([
      [1, 'p1-1', 'p1', 1],
      [2, 'p1-2', 'p1', 2],
      [3, 'p2-1', 'p2', 1],
      [4, 'p1-3', 'p1', 3],
      [5, 'a-9', undefined, undefined],
    ]);
    await expect(a.append({ node: 'a', time: 1, origin: 'p3' })).rejects.toThrow(TypeError); // an origin needs its number
    await expect(a.append({ node: 'a', time: 1, origin: 'p3', originSeq: 0 })).rejects.toThrow(TypeError);
  });

  it('starts a subscriber after the newest entry, and delivers its own node’s next append', async () => {
    const log = open();
    await log.append(text('a', 1));
    const seen = watch(log);
    await log.append(text('a', 2)); // appended right after subscribe(): still delivered
    await until(() => seen.entries.length === 1, 5_000, 'entry 2');
    expect(seen.entries[0]!.seq).toBe(2);
  });

  it('rejects bad entries and cursors with a TypeError, and calls after close() with ERR_CLOSED', async () => {
    const log = open();
    await expect(log.append({ node: 'a', time: Number.NaN })).rejects.toThrow(TypeError);
    await expect(log.append({ node: 'a', time: 1, text: 'x', bytes: new Uint8Array(1) })).rejects.toThrow(TypeError);
    await expect(log.append({ node: 'a', time: 1, sender: 1n })).rejects.toThrow(TypeError);
    await expect(log.range(-1)).rejects.toThrow(TypeError);
    await expect(log.range(1.5)).rejects.toThrow(TypeError);
    await log.close();
    await expect(log.append(text('a', 1))).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(log.newest()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(() => log.subscribe(() => {}, () => {})).toThrow(/closed/);
    await log.close();
  });
});

describe('range and trimming', () => {
  it('returns exactly the held entries above the cursor, and evictedThrough the trimmed part', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 15 }).map((count) => ({ count })), fc.nat(60).map((after) => ({ after }))), {
          minLength: 1,
          maxLength: 6,
        }),
        async (maxEntries, steps) => {
          const log = open({ maxEntries });
          let appended = 0;
          for (const step of steps) {
            if ('count' in step) {
              for (let i = 0; i < step.count; i++) expect(await log.append(text('a', ++appended))).toBe(appended);
              continue;
            }
            const { entries, evictedThrough } = await log.range(step.after);
            // Trimmed from the oldest, never more than maxEntries past (`~` may keep a few more).
            expect(evictedThrough).toBeGreaterThanOrEqual(0);
            expect(evictedThrough).toBeLessThanOrEqual(Math.max(0, appended - maxEntries));
            const from = Math.max(step.after, evictedThrough) + 1;
            expect(entries.map((entry) => entry.seq)).toEqual(
              Array.from({ length: Math.max(0, appended - from + 1) }, (_, i) => from + i),
            );
            expect(entries.map((entry) => entry.time)).toEqual(entries.map((entry) => entry.seq));
          }
          await log.close();
        },
      ),
      { numRuns: 25 },
    );
  });

  it('trims to about maxEntries: a few stream nodes more at most', async () => {
    const log = open({ maxEntries: 10 });
    for (let i = 1; i <= 100; i++) await log.append(text('a', i));
    const { entries, evictedThrough } = await log.range(0);
    expect(evictedThrough).toBeGreaterThanOrEqual(80);
    expect(entries.length).toBe(100 - evictedThrough);
    expect(entries.length).toBeGreaterThanOrEqual(10);
  });

  it('reports nothing evicted before trimming, and the counter once the stream is gone', async () => {
    const prefix = `${randomUUID()}:`;
    const log = open({ keyPrefix: prefix });
    expect(await log.range(0)).toEqual({ entries: [], evictedThrough: 0 });
    expect(await log.newest()).toBe(0);
    for (let i = 1; i <= 3; i++) await log.append(text('a', i));
    expect((await log.range(0)).evictedThrough).toBe(0);
    expect((await log.range(3)).entries).toEqual([]);
    await admin.del(`${prefix}log`);
    expect(await log.range(0)).toEqual({ entries: [], evictedThrough: 3 });
    expect(await log.append(text('a', 4))).toBe(4); // the numbering goes on
    expect(await log.range(0)).toMatchObject({ entries: [{ seq: 4 }], evictedThrough: 3 });
  });

  it('trims entries older than maxAgeMs on append, and drops a log idle that long', async () => {
    const log = open({ maxAgeMs: 200 });
    await log.append(text('a', 1));
    await log.append(text('a', 2));
    await sleep(250);
    await log.append(text('a', 3));
    expect(await log.range(0)).toMatchObject({ entries: [{ seq: 3 }], evictedThrough: 2 });
    await sleep(250); // idle for longer than maxAgeMs: Redis expires the stream
    expect(await log.range(0)).toEqual({ entries: [], evictedThrough: 3 });
    expect(await log.newest()).toBe(3);
  });
});

/** tsx's ESM loader, found through vitest, as in redis-storage.test.ts. */
const tsxLoader = (): string => {
  const fromHere = createRequire(import.meta.url);
  return pathToFileURL(createRequire(fromHere.resolve('vitest/package.json')).resolve('tsx')).href;
};

describe('redisLog when Redis is away, and close()', () => {
  it('rejects append with ERR_STORAGE within commandTimeoutMs while Redis is down', async () => {
    const other = await startRedis();
    const log = redisLog({ url: other.url, commandTimeoutMs: 300, maxReconnectDelayMs: 100 });
    opened.push(log);
    expect(await log.append(text('a', 1))).toBe(1);
    await other.stop();
    const { error, ms } = await timed(() => log.append(text('a', 2)));
    expect(isGrapplerError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_STORAGE', message: expect.stringContaining('append failed') });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(ms).toBeLessThan(1_500);
    const newest = await timed(() => log.newest());
    expect(newest.error).toMatchObject({ code: 'ERR_STORAGE' });
  });

  it('closes promptly while its subscriber waits in XREAD BLOCK, leaving a client passed in open', async () => {
    const client = new Redis(redis.url);
    try {
      const log = redisLog({ client, keyPrefix: `${randomUUID()}:`, blockMs: 30_000 });
      watch(log);
      await log.append(text('a', 1));
      await sleep(100); // the subscriber now blocks in Redis
      const { ms } = await timed(() => log.close());
      expect(ms).toBeLessThan(500);
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('lets a child process exit by itself after close(), subscriber included', async () => {
    const script = fileURLToPath(new URL('./fixtures/log-exits-after-close.ts', import.meta.url));
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', tsxLoader(), script, redis.url, `${randomUUID()}:`],
        { timeout: 10_000 },
        (_, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ seen: [1, 2] });
  });
});
