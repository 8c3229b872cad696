import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { atTickEnd, currentTick } from './tick-cork';

/** A real Writable that records each call that reaches it: one array per write or writev. */
function recorder(): { stream: Writable; calls: string[][] } {
  const calls: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      calls.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map(({ chunk }) => String(chunk)));
      done();
    },
  });
  return { stream, calls };
}

describe('atTickEnd', () => {
  it('lets the writes of one tick reach each stream as one writev, in order', async () => {
    const streams = [recorder(), recorder()];
    for (const { stream } of streams) {
      stream.cork();
      atTickEnd({ tickEnded: () => stream.uncork() });
    }
    for (let index = 1; index <= 5; index++) for (const { stream } of streams) stream.write(`f${index}`);
    expect(streams.every(({ calls }) => calls.length === 0)).toBe(true); // held until the tick ends
    await new Promise((resolve) => setImmediate(resolve));
    for (const { calls } of streams) expect(calls).toEqual([['f1', 'f2', 'f3', 'f4', 'f5']]);
  });

  it('runs a callback registered while the others run, in the same flush', async () => {
    const order: string[] = [];
    atTickEnd({
      tickEnded: () => {
        order.push('first');
        atTickEnd({ tickEnded: () => order.push('added during the flush') });
      },
    });
    await new Promise((resolve) => process.nextTick(resolve));
    expect(order).toEqual(['first', 'added during the flush']);
    atTickEnd({ tickEnded: () => order.push('next tick') });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['first', 'added during the flush', 'next tick']);
  });
});

describe('currentTick', () => {
  it('stays the same within a tick and changes once it ends', async () => {
    const first = currentTick();
    expect(currentTick()).toBe(first);
    await new Promise((resolve) => process.nextTick(resolve));
    const second = currentTick();
    expect(second).not.toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    expect(currentTick()).not.toBe(second);
  });
});
