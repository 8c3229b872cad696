import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { atTickEnd, corkUntilRun, currentTick, flushTickEnd } from './tick-cork';

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

describe('flushTickEnd', () => {
  it('runs what waits for the tick\'s end now; what comes after waits for the end again', async () => {
    const order: string[] = [];
    atTickEnd({ tickEnded: () => order.push('before') });
    flushTickEnd();
    expect(order).toEqual(['before']);
    atTickEnd({ tickEnded: () => order.push('after') });
    expect(order).toEqual(['before']);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(order).toEqual(['before', 'after']); // once each
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['before', 'after']);
  });

  it('called by a listener (a fan-out in a drain handler), goes on where the running flush is, calling none twice', async () => {
    const order: string[] = [];
    atTickEnd({ tickEnded: () => order.push('first') });
    atTickEnd({
      tickEnded: () => {
        order.push('second');
        atTickEnd({ tickEnded: () => order.push('added') });
        flushTickEnd();
      },
    });
    atTickEnd({ tickEnded: () => order.push('third') });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['first', 'second', 'third', 'added']);
  });
});

describe('corkUntilRun', () => {
  it('holds a listener\'s writes until every listener of the run has run, then sends each', async () => {
    const streams = [recorder(), recorder()];
    const seen: number[] = [];
    for (const { stream } of streams) {
      atTickEnd({
        tickEnded: () => {
          seen.push(streams[0]!.calls.length); // what the first stream had received when each listener ran
          expect(corkUntilRun(stream)).toBe(true);
          stream.write('a');
          stream.write('b');
        },
      });
    }
    await new Promise((resolve) => process.nextTick(resolve));
    expect(seen).toEqual([0, 0]);
    for (const { calls, stream } of streams) {
      expect(calls).toEqual([['a', 'b']]); // sent by the run itself, in one writev
      expect(stream.writableCorked).toBe(0);
    }
  });

  it('does nothing outside a run', () => {
    const { stream, calls } = recorder();
    expect(corkUntilRun(stream)).toBe(false);
    stream.write('x');
    expect(calls).toEqual([['x']]);
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
