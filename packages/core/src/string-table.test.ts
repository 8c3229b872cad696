import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringTable } from './string-table';

describe('StringTable', () => {
  it('holds equal values once, however many requests made them', () => {
    const table = new StringTable(8, 64);
    // Each a new string at run time, as the HTTP parser makes them.
    const copies = Array.from({ length: 100 }, () => ['example.com', '8000'].join(':'));
    for (const copy of copies) expect(table.share(copy)).toBe('example.com:8000');
    expect(table.size).toBe(1);
  });

  it('starts over once full, and does not hold values past maxLength', () => {
    const table = new StringTable(3, 5);
    for (const value of ['a', 'b', 'c']) table.share(value);
    expect(table.size).toBe(3);
    table.share('d');
    expect(table.size).toBe(1);
    expect(table.share('longer')).toBe('longer');
    expect(table.size).toBe(1);
  });

  it('answers every value unchanged and never holds more than its bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 6 }), fc.array(fc.string({ maxLength: 8 })), (maxEntries, maxLength, values) => {
        const table = new StringTable(maxEntries, maxLength);
        for (const value of values) {
          expect(table.share(value)).toBe(value);
          expect(table.size).toBeLessThanOrEqual(maxEntries);
        }
        expect(table.size).toBeLessThanOrEqual(new Set(values.filter((value) => value.length <= maxLength)).size);
      }),
    );
  });
});
