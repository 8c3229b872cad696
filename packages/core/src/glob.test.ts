import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, matchesGlob } from './glob';

/** The same language written as an anchored regular expression: the reference the matcher must agree with. */
const reference = (pattern: string): RegExp =>
  new RegExp(
    `^${Array.from(pattern, (c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))).join('')}$`,
    'su',
  );
const literal = fc.string({ unit: 'binary' }).filter((s) => !s.includes('*') && !s.includes('?'));
const anyString = fc.string({ unit: 'binary' });

describe('matchesGlob', () => {
  it.each([
    ['user:*', 'user:', true],
    ['user:*', 'user:42', true],
    ['user:*', 'use', false],
    ['*:1', 'room:1', true],
    ['*:1', 'room:10', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['?', '', false],
    ['?', 'é', true],
    ['?', '🎉', true],
    ['??', '🎉', false],
    ['', '', true],
    ['', 'a', false],
    ['**', '', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
  ])('matches %j against %j: %s', (pattern, key, expected) => {
    expect(matchesGlob(pattern, key)).toBe(expected);
  });

  it('matches a pattern without wildcards against itself only', () => {
    fc.assert(
      fc.property(literal, anyString, (pattern, key) => {
        expect(matchesGlob(pattern, pattern)).toBe(true);
        expect(matchesGlob(pattern, key)).toBe(pattern === key);
      }),
    );
  });

  it('matches everything with *', () => {
    fc.assert(fc.property(anyString, (key) => matchesGlob('*', key)));
  });

  it('matches prefix* exactly the keys that start with the prefix', () => {
    fc.assert(
      fc.property(literal, anyString, (prefix, key) => {
        expect(matchesGlob(`${prefix}*`, key)).toBe(key.startsWith(prefix));
        expect(matchesGlob(`${prefix}*`, prefix + key)).toBe(true);
      }),
    );
  });

  it('matches n question marks exactly the keys of n characters', () => {
    fc.assert(
      fc.property(fc.nat(8), anyString, (n, key) => {
        expect(matchesGlob('?'.repeat(n), key)).toBe(Array.from(key).length === n);
      }),
    );
  });

  it('agrees with the equivalent regular expression', () => {
    // A small alphabet, so that wildcards and literals collide often.
    const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', '.', '\n') });
    const key = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', '.', '\n') });
    fc.assert(
      fc.property(pattern, key, (p, k) => {
        expect(matchesGlob(p, k)).toBe(reference(p).test(k));
      }),
      { numRuns: 2_000 },
    );
  });

  it('stays fast on a pattern that makes regular expressions backtrack', () => {
    const key = 'a'.repeat(5_000);
    const started = performance.now();
    expect(matchesGlob(`${'*a'.repeat(20)}b`, key)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('compileGlob', () => {
  it('returns a reusable predicate', () => {
    const matches = compileGlob('user:?');
    expect(['user:1', 'user:22', 'user:3'].filter(matches)).toEqual(['user:1', 'user:3']);
  });
});
