import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClientRecord } from '@grappler/core';
import { describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../src/index';
import { createMemoryStorage } from '../src/memory-storage';

const record = (id: string): ClientRecord => ({
  id,
  node: 'n',
  transport: 'websocket',
  remoteAddress: '127.0.0.1',
  connectedAt: 0,
});

/**
 * tsx's ESM loader, found through vitest (tsx is in vite's dependency closure): this package does
 * not depend on tsx itself, and Node 20 cannot run TypeScript without it.
 */
const tsxLoader = (): string => {
  const fromHere = createRequire(import.meta.url);
  return pathToFileURL(createRequire(fromHere.resolve('vitest/package.json')).resolve('tsx')).href;
};

describe('memoryStorage', () => {
  it("is named 'memory'", () => {
    expect(memoryStorage().name).toBe('memory');
  });

  it('validates its options when created', () => {
    expect(() => memoryStorage({ sweepIntervalMs: 0 })).toThrow(TypeError);
    expect(() => memoryStorage({ maxKeysPerClient: -1 })).toThrow(TypeError);
    expect(() => memoryStorage({ maxKeys: 5 } as never)).toThrow('unknown memoryStorage option "maxKeys"');
  });

  it('frees expired entries on the sweep, without any read', async () => {
    const { storage, keySpace, sweeper } = createMemoryStorage({ sweepIntervalMs: 20 });
    await storage.clientStore('a').set('x', 1, { ttlMs: 30 });
    await storage.clientStore('a').set('y', 1, { ttlMs: 30 });
    await storage.clientStore('b').set('x', 1, { ttlMs: 30 });
    await storage.clientStore('b').set('kept', 1);
    expect(keySpace.size()).toBe(4);
    expect(sweeper.running).toBe(true);
    await vi.waitFor(() => expect(keySpace.size()).toBe(1), { timeout: 2_000, interval: 10 });
    // Nothing left with a TTL: the timer stops until the next one.
    await vi.waitFor(() => expect(sweeper.running).toBe(false), { timeout: 2_000, interval: 10 });
    await storage.close();
  });

  it('runs no timer while no key has a TTL', async () => {
    const { storage, sweeper } = createMemoryStorage();
    await storage.clientStore('a').set('k', 1);
    await storage.clientStore('a').incr('n');
    expect(sweeper.running).toBe(false);
    await storage.clientStore('a').expire('k', 60_000);
    expect(sweeper.running).toBe(true);
    await storage.close();
  });

  it('rejects a new key past maxKeysPerClient with a RangeError naming the option', async () => {
    const storage = memoryStorage({ maxKeysPerClient: 2 });
    const store = storage.clientStore('a');
    await store.set('a', 1);
    await store.set('b', 1);
    await expect(store.set('c', 1)).rejects.toThrow(RangeError);
    await expect(store.incr('c')).rejects.toMatchObject({
      message: 'maxKeysPerClient exceeded: 2',
      limit: 'maxKeysPerClient',
      max: 2,
    });
    await store.set('a', 'overwritten');
    await storage.clientStore('b').set('c', 1); // other clients are unaffected
    await store.del('a');
    await store.set('c', 1);
    expect((await store.keys()).sort()).toEqual(['b', 'c']);
    await storage.close();
  });

  it("removes a client's key-value data from memory with the client", async () => {
    const { storage, keySpace } = createMemoryStorage();
    await storage.addClient(record('a'));
    await storage.clientStore('a').set('k', 1);
    await storage.removeClient('a');
    expect(keySpace.size()).toBe(0);
    await storage.close();
  });

  it('keeps a copy of the record, not the caller object', async () => {
    const storage = memoryStorage();
    const mutable = { ...record('a') };
    await storage.addClient(mutable);
    Object.assign(mutable, { node: 'changed' });
    expect((await storage.getClient('a'))?.node).toBe('n');
    await storage.close();
  });

  it('clears everything on close, stops the timer, and rejects every call afterwards', async () => {
    const { storage, keySpace, sweeper } = createMemoryStorage();
    const before = storage.clientStore('a');
    await storage.addClient(record('a'));
    await before.set('k', 1, { ttlMs: 60_000 });
    await storage.close();
    expect(keySpace.size()).toBe(0);
    expect(sweeper.running).toBe(false);
    const closed = /storage is closed/;
    await expect(storage.addClient(record('b'))).rejects.toThrow(closed);
    await expect(storage.getClient('a')).rejects.toThrow(closed);
    await expect(storage.countClients()).rejects.toThrow(closed);
    await expect(storage.removeClient('a')).rejects.toThrow(closed);
    await expect(before.get('k')).rejects.toThrow(closed);
    await expect(storage.clientStore('a').set('k', 1)).rejects.toThrow(closed);
    await expect(storage.close()).resolves.toBeUndefined(); // closing twice is harmless
  });

  it('never keeps the process alive: a child holding a TTL key exits without close()', async () => {
    const script = fileURLToPath(new URL('./fixtures/exits-without-close.ts', import.meta.url));
    const started = performance.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = execFile(process.execPath, ['--import', tsxLoader(), script], { timeout: 10_000 }, (_, out, err) =>
          resolve({ code: child.exitCode, stdout: out, stderr: err }),
        );
      },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ sweeping: true });
    expect(performance.now() - started).toBeLessThan(8_000);
  });
});
