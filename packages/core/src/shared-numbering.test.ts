import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SharedLogEntry } from './shared-log';
import { SharedNumbering } from './shared-numbering';

const entry = (seq: number): SharedLogEntry => ({ seq, node: 'node-a', text: `m${seq}`, time: 0 });
const gapError = (gap: string): Error => Object.assign(new Error(gap), { gap });

describe('SharedNumbering', () => {
  it("keeps the log's numbers, and the entries themselves, while the log keeps its numbering", () => {
    const numbering = new SharedNumbering();
    for (const seq of [1, 2, 3, 7]) {
      const given = entry(seq);
      expect(numbering.number(given)).toBe(given);
    }
    numbering.failed(gapError('trimmed')); // entries lost, numbers kept
    expect(numbering.number(entry(9)).seq).toBe(9);
    expect(numbering.renumbered).toBe(false);
  });

  it('numbers what follows a reset after the newest number taken', () => {
    const numbering = new SharedNumbering();
    for (const seq of [1, 2, 3]) numbering.number(entry(seq));
    numbering.failed(gapError('reset'));
    const renumbered = [1, 2, 3].map((seq) => numbering.number(entry(seq)));
    expect(renumbered.map((each) => each.seq)).toEqual([4, 5, 6]);
    expect(renumbered[0]).toMatchObject({ node: 'node-a', text: 'm1' }); // a copy with the new number
    expect(numbering.renumbered).toBe(true);
  });

  it('numbers what follows a rewind (an older copy of the log) after the newest taken, again at each rewind', () => {
    const numbering = new SharedNumbering();
    for (const seq of [1, 2, 3, 4, 5]) numbering.number(entry(seq));
    numbering.failed(gapError('rewound'));
    expect([3, 4].map((seq) => numbering.number(entry(seq)).seq)).toEqual([6, 7]);
    numbering.failed(gapError('reset'));
    expect([1, 2].map((seq) => numbering.number(entry(seq)).seq)).toEqual([8, 9]);
  });

  it('never gives a number twice nor goes back, whatever the log does', () => {
    // A log: runs of increasing numbers, each run after the first starting again (reset or rewind).
    const run = fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }));
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 8 }), (runs) => {
        const numbering = new SharedNumbering();
        const numbers: number[] = [];
        for (const [index, [start, length]] of runs.entries()) {
          if (index > 0) numbering.failed(gapError(index % 2 === 0 ? 'reset' : 'rewound'));
          for (let seq = start; seq < start + length; seq++) numbers.push(numbering.number(entry(seq)).seq);
        }
        expect(numbers.every((seq, index) => index === 0 || seq > numbers[index - 1]!)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
