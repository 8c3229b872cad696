/**
 * What every `Storage` backend must do, as one vitest suite: each implementation runs
 * `describeStorageContract('memory', () => memoryStorage())`. It tests only what core's
 * `Storage`/`KeyValueStore` interface promises, so a Redis backend runs it unchanged: client ids
 * are random (a shared Redis database is fine) and counts are compared with a before value.
 */
import { randomUUID } from 'node:crypto';
// A relative, type-only import: a package dependency on core would make a build cycle
// (core's tests use the testkit).
import type { ClientRecord, Storage } from '../../core/src/index';
import { afterEach, describe, expect, it } from 'vitest';

/** Short enough to keep the suite fast, with a wide margin before `PAST_TTL_MS` for slow CI machines. */
const SHORT_TTL_MS = 80;
const PAST_TTL_MS = 400;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const newId = (): string => `contract-${randomUUID()}`;
const recordOf = (id: string): ClientRecord => ({
  id,
  node: 'node-a',
  transport: 'websocket',
  remoteAddress: '127.0.0.1',
  connectedAt: 1_700_000_000_000,
});
const sorted = (keys: string[]): string[] => [...keys].sort();

/** Registers `Storage contract: <name>`; `create` must return a new, open storage on each call. */
export function describeStorageContract(name: string, create: () => Storage | Promise<Storage>): void {
  describe(`Storage contract: ${name}`, () => {
    const opened: Storage[] = [];
    const open = async (): Promise<Storage> => {
      const storage = await create();
      opened.push(storage);
      return storage;
    };
    const openStore = async (id = newId()) => (await open()).clientStore(id);
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((storage) => storage.close()));
    });

    describe('client registry', () => {
      it('has a name', async () => {
        expect((await open()).name).toMatch(/\S/);
      });

      it('returns a record that was added', async () => {
        const storage = await open();
        const record = recordOf(newId());
        await storage.addClient(record);
        expect(await storage.getClient(record.id)).toEqual(record);
      });

      it('returns undefined for a client it does not know', async () => {
        expect(await (await open()).getClient(newId())).toBeUndefined();
      });

      it('counts added clients and forgets removed ones', async () => {
        const storage = await open();
        const before = await storage.countClients();
        const [a, b] = [newId(), newId()];
        await storage.addClient(recordOf(a));
        await storage.addClient(recordOf(b));
        expect(await storage.countClients()).toBe(before + 2);
        await storage.removeClient(a);
        expect(await storage.getClient(a)).toBeUndefined();
        expect(await storage.getClient(b)).toEqual(recordOf(b));
        expect(await storage.countClients()).toBe(before + 1);
      });

      it('resolves when removing a client it does not know', async () => {
        await expect((await open()).removeClient(newId())).resolves.toBeUndefined();
      });

      it("deletes a removed client's key-value storage", async () => {
        const storage = await open();
        const id = newId();
        await storage.addClient(recordOf(id));
        await storage.clientStore(id).set('name', 'ada');
        await storage.clientStore(id).set('session', { n: 1 }, { ttlMs: 60_000 });
        await storage.removeClient(id);
        expect(await storage.clientStore(id).get('name')).toBeUndefined();
        expect(await storage.clientStore(id).keys()).toEqual([]);
      });
    });

    describe('channel membership', () => {
      it('records members of a channel, once each, and counts them', async () => {
        const storage = await open();
        const channel = `room:${newId()}`; // ':' and anything else a channel name may hold
        const [a, b] = [newId(), newId()];
        expect(await storage.members(channel)).toEqual([]);
        expect(await storage.countMembers(channel)).toBe(0);
        await storage.addMember(channel, a);
        await storage.addMember(channel, b);
        await storage.addMember(channel, a); // again: no change
        expect(sorted(await storage.members(channel))).toEqual(sorted([a, b]));
        expect(await storage.countMembers(channel)).toBe(2);
        await storage.removeMember(channel, a);
        await storage.removeMember(channel, a); // again: fine
        expect(await storage.members(channel)).toEqual([b]);
        expect(await storage.countMembers(channel)).toBe(1);
      });

      it('keeps channels apart, and forgets every channel of a removed client', async () => {
        const storage = await open();
        const [one, two] = [`one-${newId()}`, `two-${newId()}`];
        const [leaving, staying] = [newId(), newId()];
        await storage.addClient(recordOf(leaving));
        for (const channel of [one, two]) await storage.addMember(channel, leaving);
        await storage.addMember(one, staying);
        expect(await storage.members(two)).toEqual([leaving]);
        await storage.removeClient(leaving);
        expect(await storage.members(one)).toEqual([staying]);
        expect(await storage.countMembers(two)).toBe(0);
      });
    });

    describe('key-value store', () => {
      it('returns undefined for a missing key', async () => {
        expect(await (await openStore()).get('missing')).toBeUndefined();
      });

      it('returns what JSON can carry as it was set', async () => {
        const store = await openStore();
        const values = { s: 'text', n: -1.5, t: true, z: null, a: [1, 'two', [3]], o: { deep: { list: [{}] } } };
        for (const [key, value] of Object.entries(values)) await store.set(key, value);
        for (const [key, value] of Object.entries(values)) expect(await store.get(key)).toEqual(value);
      });

      it('keeps the value as it was when set, whatever the caller changes later', async () => {
        const store = await openStore();
        const value = { list: [1] };
        await store.set('v', value);
        value.list.push(2);
        expect(await store.get('v')).toEqual({ list: [1] });
      });

      it('replaces a value on set', async () => {
        const store = await openStore();
        await store.set('k', 'one');
        await store.set('k', { two: 2 });
        expect(await store.get('k')).toEqual({ two: 2 });
      });

      it('keeps each client apart', async () => {
        const storage = await open();
        const [a, b] = [storage.clientStore(newId()), storage.clientStore(newId())];
        await a.set('k', 'a');
        await b.set('k', 'b');
        await b.set('only-b', 1);
        expect(await a.get('k')).toBe('a');
        expect(await a.keys()).toEqual(['k']);
        expect(sorted(await b.keys())).toEqual(['k', 'only-b']);
      });

      it('shows the same data through every clientStore() of one id', async () => {
        const storage = await open();
        const id = newId();
        await storage.clientStore(id).set('k', 1);
        expect(await storage.clientStore(id).get('k')).toBe(1);
      });

      it('deletes a key and says whether it existed', async () => {
        const store = await openStore();
        await store.set('k', 1);
        expect(await store.del('k')).toBe(true);
        expect(await store.get('k')).toBeUndefined();
        expect(await store.del('k')).toBe(false);
      });

      it('increments from 0 by 1 or by the given step', async () => {
        const store = await openStore();
        expect(await store.incr('n')).toBe(1);
        expect(await store.incr('n', 5)).toBe(6);
        expect(await store.incr('n', -10)).toBe(-4);
        expect(await store.get('n')).toBe(-4);
        await store.set('m', 41);
        expect(await store.incr('m')).toBe(42);
      });

      it('rejects incr of a value that is not an integer and leaves it unchanged', async () => {
        const store = await openStore();
        const values = { text: 'abc', fraction: 1.5, object: { n: 1 }, list: [1], flag: true };
        for (const [key, value] of Object.entries(values)) {
          await store.set(key, value);
          await expect(store.incr(key), key).rejects.toBeInstanceOf(Error);
          expect(await store.get(key)).toEqual(value);
        }
      });

      it('reports -2 for a missing key and -1 for a key without expiry', async () => {
        const store = await openStore();
        expect(await store.ttl('missing')).toBe(-2);
        await store.set('k', 1);
        expect(await store.ttl('k')).toBe(-1);
      });

      it('reports the milliseconds left of a key set with ttlMs', async () => {
        const store = await openStore();
        await store.set('k', 1, { ttlMs: 10_000 });
        const left = await store.ttl('k');
        expect(left).toBeGreaterThan(5_000);
        expect(left).toBeLessThanOrEqual(10_000);
      });

      it('sets a time to live with expire, and says false for a missing key', async () => {
        const store = await openStore();
        expect(await store.expire('missing', 5_000)).toBe(false);
        expect(await store.ttl('missing')).toBe(-2);
        await store.set('k', 1);
        expect(await store.expire('k', 5_000)).toBe(true);
        const left = await store.ttl('k');
        expect(left).toBeGreaterThan(1_000);
        expect(left).toBeLessThanOrEqual(5_000);
      });

      it('clears the time to live when a key is set again without ttlMs (as Redis SET)', async () => {
        const store = await openStore();
        await store.set('k', 1, { ttlMs: 10_000 });
        await store.set('k', 2);
        expect(await store.ttl('k')).toBe(-1);
      });

      it('lists keys matching * and ? globs, all of them by default', async () => {
        const store = await openStore();
        const all = ['user:1', 'user:2', 'user:10', 'room:1', 'u'];
        for (const key of all) await store.set(key, true);
        expect(sorted(await store.keys())).toEqual(sorted(all));
        expect(sorted(await store.keys('*'))).toEqual(sorted(all));
        expect(sorted(await store.keys('user:*'))).toEqual(['user:1', 'user:10', 'user:2']);
        expect(sorted(await store.keys('user:?'))).toEqual(['user:1', 'user:2']);
        expect(sorted(await store.keys('*:1'))).toEqual(['room:1', 'user:1']);
        expect(sorted(await store.keys('?'))).toEqual(['u']);
        expect(await store.keys('room:1')).toEqual(['room:1']);
        expect(await store.keys('nothing*')).toEqual([]);
      });

      it('lists no keys for a client that has none', async () => {
        expect(await (await openStore()).keys()).toEqual([]);
      });
    });

    describe('expiry', () => {
      it(`forgets a key set with ttlMs ${SHORT_TTL_MS} once it has passed`, async () => {
        const store = await openStore();
        await store.set('short', 'v', { ttlMs: SHORT_TTL_MS });
        await store.set('long', 'v');
        expect(await store.get('short')).toBe('v');
        await sleep(PAST_TTL_MS);
        expect(await store.get('short')).toBeUndefined();
        expect(await store.ttl('short')).toBe(-2);
        expect(await store.keys()).toEqual(['long']);
        expect(await store.del('short')).toBe(false);
        expect(await store.expire('short', 10_000)).toBe(false);
      });

      it('forgets a key given a time to live with expire', async () => {
        const store = await openStore();
        await store.set('k', 'v');
        await store.expire('k', SHORT_TTL_MS);
        expect(await store.get('k')).toBe('v');
        await sleep(PAST_TTL_MS);
        expect(await store.get('k')).toBeUndefined();
      });

      it('counts an expired counter again from 0', async () => {
        const store = await openStore();
        await store.set('n', 10, { ttlMs: SHORT_TTL_MS });
        await sleep(PAST_TTL_MS);
        expect(await store.incr('n')).toBe(1);
        expect(await store.ttl('n')).toBe(-1);
      });
    });

    describe('close', () => {
      it('resolves with clients, keys and pending expiries still held', async () => {
        const storage = await create();
        const id = newId();
        await storage.addClient(recordOf(id));
        await storage.clientStore(id).set('k', 1, { ttlMs: 60_000 });
        await expect(storage.close()).resolves.toBeUndefined();
      });
    });
  });
}
