import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PolicyEntry, assertPolicyEntry, isValidToPorts } from './policy-entry';

describe('isValidToPorts', () => {
  it('accepts what Flash accepts: *, a port, a range, comma lists', () => {
    for (const ok of ['*', '843', '1', '65535', '8000-8100', '80,443', '507,516-523', '80-80']) {
      expect(isValidToPorts(ok), ok).toBe(true);
    }
  });

  it('rejects empty items, spaces, open ranges, reversed ranges, out-of-range ports and mixed wildcards', () => {
    for (const bad of ['', ' ', '0', '65536', '80-', '-80', '90-80', '80,', ',80', '80, 443', '*,80', '**', 'http', '1-2-3']) {
      expect(isValidToPorts(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('accepts any comma list of valid ports and ascending ranges', () => {
    const port = fc.integer({ min: 1, max: 65535 });
    const item = fc.oneof(
      port.map(String),
      fc.tuple(port, port).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    );
    fc.assert(fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), (items) => isValidToPorts(items.join(','))));
  });
});

describe('assertPolicyEntry', () => {
  it('passes ordinary entries', () => {
    for (const entry of [
      { domain: '*', toPorts: '*' },
      { domain: '*.example.com', toPorts: '843,8080' },
      { domain: '192.0.2.1', toPorts: '1024-2048' },
    ]) {
      expect(() => assertPolicyEntry(entry, 0)).not.toThrow();
    }
  });

  it('throws a TypeError naming the entry and its index', () => {
    expect(() => assertPolicyEntry({ domain: '', toPorts: '*' }, 2)).toThrow(
      new TypeError('flash-policy: entry 2 {"domain":"","toPorts":"*"}: domain must be a non-empty string'),
    );
    expect(() => assertPolicyEntry({ domain: 'a.example', toPorts: '80-' }, 0)).toThrow(/entry 0 .*"80-".*toPorts/);
    expect(() => assertPolicyEntry({ domain: 'a\0b', toPorts: '*' }, 1)).toThrow(/control character/);
    expect(() => assertPolicyEntry({ domain: 'a b', toPorts: '*' }, 1)).toThrow(TypeError);
  });

  it('rejects values that are not strings, as a JavaScript caller might pass', () => {
    const loose = (value: unknown): PolicyEntry => value as PolicyEntry;
    expect(() => assertPolicyEntry(loose(null), 0)).toThrow(/expected \{ domain, toPorts \}/);
    expect(() => assertPolicyEntry(loose({ domain: 'a', toPorts: 80 }), 0)).toThrow(/toPorts/);
    expect(() => assertPolicyEntry(loose({ toPorts: '*' }), 0)).toThrow(/domain/);
  });
});
