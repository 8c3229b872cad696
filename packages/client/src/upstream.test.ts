import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acknowledge, createUpstream, discard, encodeUpstream, enqueue, renumber } from './upstream';

const numbers = (upstream: ReturnType<typeof createUpstream>) => upstream.pending.map((m) => [m.u, m.data]);

describe('upstream', () => {
  it('numbers messages from 1 and forgets those acknowledged', () => {
    const upstream = createUpstream();
    for (const data of ['a', 'b', 'c']) enqueue(upstream, data);
    acknowledge(upstream, 2);
    expect(numbers(upstream)).toEqual([[3, 'c']]);
    expect(enqueue(upstream, 'd').u).toBe(4);
    acknowledge(upstream, 1); // an old ack changes nothing
    expect(numbers(upstream)).toEqual([
      [3, 'c'],
      [4, 'd'],
    ]);
  });

  it('renumbers what is pending from 1 for a new client, or from a given number', () => {
    const upstream = createUpstream();
    for (const data of ['a', 'b', 'c', 'd']) enqueue(upstream, data);
    acknowledge(upstream, 2);
    renumber(upstream);
    expect(numbers(upstream)).toEqual([
      [1, 'c'],
      [2, 'd'],
    ]);
    expect(upstream.next).toBe(3);
    renumber(upstream, 6);
    expect(numbers(upstream)).toEqual([
      [6, 'c'],
      [7, 'd'],
    ]);
  });

  it('gives the numbers of discarded messages to the later ones', () => {
    const upstream = createUpstream();
    for (const data of ['a', 'b', 'c', 'd']) enqueue(upstream, data);
    acknowledge(upstream, 1);
    discard(upstream, 2);
    expect(numbers(upstream)).toEqual([[2, 'd']]);
    expect(enqueue(upstream, 'e').u).toBe(3);
  });

  it('keeps pending numbers consecutive and ending below next, whatever happens', () => {
    const step = fc.oneof(
      fc.string().map((data) => ({ kind: 'send' as const, data })),
      fc.nat({ max: 30 }).map((up) => ({ kind: 'ack' as const, up })),
      fc.nat({ max: 3 }).map((count) => ({ kind: 'discard' as const, count })),
      fc.constant({ kind: 'renumber' as const }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const upstream = createUpstream();
        for (const s of steps) {
          if (s.kind === 'send') enqueue(upstream, s.data);
          else if (s.kind === 'ack') acknowledge(upstream, s.up);
          else if (s.kind === 'discard') discard(upstream, s.count);
          else renumber(upstream);
          upstream.pending.forEach((m, i) => {
            expect(m.u).toBe(upstream.next - upstream.pending.length + i);
          });
          expect(upstream.next).toBeGreaterThanOrEqual(1);
        }
      }),
    );
  });

  it('encodes a WebSocket frame as {"u","d"}', () => {
    expect(encodeUpstream({ u: 7, data: 'a"b' })).toBe('{"u":7,"d":"a\\"b"}');
  });
});
