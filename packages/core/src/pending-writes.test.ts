import { describe, expect, it } from 'vitest';
import { PendingWrites } from './pending-writes';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PendingWrites', () => {
  it('settles at once when nothing is in flight', async () => {
    await new PendingWrites(() => {}).settled();
  });

  it('waits for every write, those added while waiting included, and reports failures with their context', async () => {
    const reported: string[] = [];
    const writes = new PendingWrites((error, context) => reported.push(`${context}: ${(error as Error).message}`));
    const [first, second, late] = [deferred(), deferred(), deferred()];
    writes.add(first.promise, 'first');
    writes.add(second.promise, 'second');
    let settled = false;
    void writes.settled().then(() => (settled = true));
    first.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    writes.add(late.promise, 'late');
    second.reject(new Error('disk full'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(reported).toEqual(['second: disk full']);
    late.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(true);
  });
});
