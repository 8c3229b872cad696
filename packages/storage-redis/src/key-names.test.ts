import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyNames } from './key-names';

describe('keyNames', () => {
  const names = keyNames('grappler:');

  it('names the registry, the index and each value under the prefix', () => {
    expect(names.clients).toBe('grappler:clients');
    expect(names.client('c1')).toBe('grappler:client:c1');
    expect(names.index('c1')).toBe('grappler:keys:c1');
    expect(names.value('c1', 'user:name')).toBe('grappler:kv:c1:user:name');
    expect(keyNames('').value('c1', 'k')).toBe('kv:c1:k');
  });

  it('encodes : and % in ids, so client "a" with key "b:c" never meets client "a:b" with key "c"', () => {
    expect(names.value('a', 'b:c')).not.toBe(names.value('a:b', 'c'));
    expect(names.client('a:b%3A')).toBe('grappler:client:a%3Ab%253A');
  });

  it('gives different (id, key) pairs different value keys', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ':', '%', '3', 'A', '🎉') });
    fc.assert(
      fc.property(text, text, text, text, (id1, key1, id2, key2) => {
        fc.pre(id1 !== id2 || key1 !== key2);
        expect(names.value(id1, key1)).not.toBe(names.value(id2, key2));
      }),
      { numRuns: 2_000 },
    );
  });
});
