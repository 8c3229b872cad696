import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue';

describe('SerialQueue', () => {
  it('runs a synchronous task at once while idle', () => {
    const queue = new SerialQueue();
    const seen: number[] = [];
    queue.run(() => void seen.push(1));
    expect(seen).toEqual([1]);
    expect(queue.busy).toBe(false);
  });

  it('counts the tasks that wait behind the one running', async () => {
    const queue = new SerialQueue();
    expect(queue.waiting).toBe(0);
    let finish: () => void = () => {};
    queue.run(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(queue.busy).toBe(true);
    expect(queue.waiting).toBe(0);
    queue.run(() => {});
    const third = new Promise<void>((resolve) => queue.run(() => resolve()));
    expect(queue.waiting).toBe(2);
    finish();
    await third;
    expect(queue.waiting).toBe(0);
  });

  it('counts every task it was given, run at once or queued', async () => {
    const queue = new SerialQueue();
    queue.run(() => {});
    expect(queue.submitted).toBe(1);
    let finish: () => void = () => {};
    queue.run(() => new Promise<void>((resolve) => (finish = resolve)));
    const last = new Promise<void>((resolve) => queue.run(() => resolve()));
    expect(queue.submitted).toBe(3);
    finish();
    await last;
    expect(queue.submitted).toBe(3);
  });

  it('keeps the order of any mix of synchronous and asynchronous tasks, failures included (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ async: fc.boolean(), fails: fc.boolean(), delay: fc.nat(3) }), { maxLength: 30 }), async (tasks) => {
        const queue = new SerialQueue();
        const seen: number[] = [];
        tasks.forEach((task, index) => {
          queue.run(() => {
            if (!task.async) {
              seen.push(index);
              return;
            }
            return new Promise<void>((resolve, reject) =>
              setTimeout(() => {
                seen.push(index);
                if (task.fails) reject(new Error('task failed'));
                else resolve();
              }, task.delay),
            );
          });
        });
        // A last task runs once every earlier one has: no guessing how long the timers take.
        await new Promise<void>((resolve) => queue.run(() => resolve()));
        await new Promise((resolve) => setImmediate(resolve)); // the queue counts that task done
        expect(seen).toEqual(tasks.map((_, index) => index));
        expect(queue.busy).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});
