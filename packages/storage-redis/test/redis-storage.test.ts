import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClientRecord, Storage } from '@grappler/core';
import { startRedis, type TestRedis } from '@grappler/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisStorage } from '../src/index';

let redis: TestRedis;
let admin: Redis;
const opened: Storage[] = [];
const open = (keyPrefix = 'test:'): Storage => {
  const storage = redisStorage({ url: redis.url, keyPrefix });
  opened.push(storage);
  return storage;
};
const record = (id: string, node = 'node-a'): ClientRecord => ({
  id,
  node,
  transport: 'websocket',
  remoteAddress: '127.0.0.1',
  connectedAt: 1_700_000_000_000,
});
/** Names of the connections Redis sees, from CLIENT LIST. */
const connectionNames = async (): Promise<string[]> =>
  ((await admin.client('LIST')) as string).match(/ name=\S*/g)?.map((field) => field.slice(6)) ?? [];

/** tsx's ESM loader, found through vitest (as in storage-memory's test): Node 20 cannot run TypeScript alone. */
const tsxLoader = (): string => {
  const fromHere = createRequire(import.meta.url);
  return pathToFileURL(createRequire(fromHere.resolve('vitest/package.json')).resolve('tsx')).href;
};
const runChild = (mode: 'close' | 'keep-open', timeoutMs: number) => {
  const script = fileURLToPath(new URL('./fixtures/exits-after-close.ts', import.meta.url));
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', tsxLoader(), script, redis.url, mode],
      { timeout: timeoutMs },
      (_, stdout, stderr) => resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr }),
    );
  });
};

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

describe('redisStorage', () => {
  it("is named 'redis'", () => {
    expect(open().name).toBe('redis');
  });

  it('validates its options when created', () => {
    expect(() => redisStorage({})).toThrow(TypeError);
    expect(() => redisStorage({ url: redis.url, commandTimeoutMs: 0 })).toThrow(TypeError);
    expect(() => redisStorage({ url: redis.url, prefix: 'x' } as never)).toThrow('unknown redisStorage option "prefix"');
  });

  it('keeps each client as a hash and its id in one set, which countClients() counts', async () => {
    const storage = open('layout:');
    const id = randomUUID();
    await storage.addClient(record(id));
    expect(await admin.hgetall(`layout:client:${id}`)).toEqual({ ...record(id), connectedAt: '1700000000000' });
    expect(await admin.sismember('layout:clients', id)).toBe(1);
    expect(await storage.countClients()).toBe(await admin.scard('layout:clients'));
    await storage.addClient(record(id, 'node-b')); // added again: replaced, counted once
    expect((await storage.getClient(id))?.node).toBe('node-b');
    expect(await admin.scard('layout:clients')).toBe(1);
  });

  it('deletes the record, the set member, the index and every value of a removed client', async () => {
    const storage = open('remove:');
    const [id, other] = [randomUUID(), randomUUID()];
    await storage.addClient(record(id));
    const store = storage.clientStore(id);
    // More than one UNLINK batch.
    await Promise.all(Array.from({ length: 1_200 }, (_, i) => store.set(`k${i}`, i, i % 2 ? { ttlMs: 60_000 } : undefined)));
    await storage.clientStore(other).set('k0', 'stays');
    await storage.removeClient(id);
    expect(await admin.keys(`remove:*${id}*`)).toEqual([]);
    expect(await admin.sismember('remove:clients', id)).toBe(0);
    expect(await storage.clientStore(other).get('k0')).toBe('stays');
  });

  it('forgets the clients of a node that stopped its heartbeat, and later the storage of those not taken over', async () => {
    const storage = open(`liveness-${randomUUID()}:`);
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    const [kept, moved, lost] = ['kept:1', 'moved:2', 'lost:3']; // ':' in ids: the Lua encodes them as the keys do
    await storage.heartbeat!('alive', 60_000, 600);
    await storage.heartbeat!('dies', 200, 600); // the sweeping node's graceMs (600) applies
    await storage.addClient(record(kept, 'alive'));
    for (const id of [moved, lost]) {
      await storage.addClient(record(id, 'dies'));
      await storage.clientStore(id).set('resume', { id });
    }
    for (const id of [kept, moved, lost]) await storage.addMember('room', id);
    expect(await storage.countClients()).toBe(3);
    expect(await storage.heartbeat!('alive', 60_000, 600)).toBe(0); // 'dies' is still within its 200 ms

    await sleep(300);
    await storage.addClient(record(moved, 'alive')); // taken over by a live node (it resumed there)
    expect(await storage.heartbeat!('alive', 60_000, 600)).toBe(1); // the lost one only
    expect(await storage.countClients()).toBe(2);
    expect(await storage.getClient(lost)).toBeUndefined();
    expect((await storage.members('room')).sort()).toEqual([kept, moved].sort()); // its channels too
    expect(await storage.countMembers('room')).toBe(2);
    expect(await storage.clientStore(lost).get('resume')).toEqual({ id: lost }); // kept for a late resume, for now

    await sleep(600);
    expect(await storage.heartbeat!('alive', 60_000, 600)).toBe(0);
    expect(await storage.clientStore(lost).get('resume')).toBeUndefined(); // past the grace: gone
    expect(await storage.clientStore(lost).keys()).toEqual([]);
    expect(await storage.clientStore(moved).get('resume')).toEqual({ id: moved }); // another node's now: untouched
    expect((await storage.getClient(moved))?.node).toBe('alive');
    expect(await storage.countClients()).toBe(2);
    await storage.removeClient(moved);
    await storage.removeClient(kept);
    expect(await admin.keys('liveness-*node:dies')).toEqual([]); // the dead node's set went with it
    expect(await admin.keys('liveness-*kv:lost*')).toEqual([]);
    await expect(storage.heartbeat!('alive', -1, 0)).rejects.toThrow(TypeError);
  });

  it('keeps two key prefixes on one server apart', async () => {
    const [left, right] = [open('app-left:'), open('app-right:')];
    const id = randomUUID();
    await left.addClient(record(id, 'left'));
    await left.clientStore(id).set('k', 'left');
    await right.clientStore(id).set('k', 'right');
    expect(await right.getClient(id)).toBeUndefined();
    expect(await right.countClients()).toBe(0);
    expect(await left.countClients()).toBe(1);
    expect(await left.clientStore(id).get('k')).toBe('left');
    expect(await right.clientStore(id).keys()).toEqual(['k']);
    await right.removeClient(id);
    expect(await left.clientStore(id).get('k')).toBe('left');
    expect(await left.getClient(id)).toEqual(record(id, 'left'));
    for (const key of await admin.keys(`*${id}*`)) expect(key).toMatch(/^app-(left|right):/);
  });

  it('uses a client it is given without closing or changing it', async () => {
    const client = new Redis(redis.url);
    try {
      const errorListeners = client.listenerCount('error');
      const storage = redisStorage({ client, keyPrefix: 'borrowed:' });
      const id = randomUUID();
      await storage.addClient(record(id));
      await storage.clientStore(id).set('k', 1);
      await storage.close();
      await expect(storage.countClients()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
      expect(client.status).toBe('ready');
      expect(await client.scard('borrowed:clients')).toBe(1);
      expect(client.listenerCount('error')).toBe(errorListeners);
    } finally {
      client.disconnect();
    }
  });

  it('ends its own connection on close, rejects every later call with ERR_CLOSED, and closes twice fine', async () => {
    const storage = redisStorage({ url: redis.url, keyPrefix: 'closing:' });
    const before = storage.clientStore('a');
    await storage.addClient(record('a'));
    expect(await connectionNames()).toContain('grappler');
    await storage.close();
    expect(await connectionNames()).not.toContain('grappler');
    const closed = { name: 'GrapplerError', code: 'ERR_CLOSED', message: '@grappler/storage-redis: the storage is closed' };
    await expect(storage.addClient(record('b'))).rejects.toMatchObject(closed);
    await expect(storage.getClient('a')).rejects.toMatchObject(closed);
    await expect(storage.removeClient('a')).rejects.toMatchObject(closed);
    await expect(before.get('k')).rejects.toMatchObject(closed);
    await expect(storage.clientStore('a').set('k', 1)).rejects.toMatchObject(closed);
    await expect(storage.close()).resolves.toBeUndefined();
  });

  it('lets a process exit once close() has been called (and keeps it alive without)', async () => {
    const started = performance.now();
    const closed = await runChild('close', 10_000);
    expect(closed.stderr).toBe('');
    expect(closed).toMatchObject({ code: 0, signal: null });
    expect(JSON.parse(closed.stdout)).toEqual({ count: expect.any(Number) });
    expect(performance.now() - started).toBeLessThan(8_000);
    // The control: an open connection holds the event loop, so the child is still there when killed.
    const open = await runChild('keep-open', 2_500);
    expect(open.signal).toBe('SIGTERM');
  });
});
