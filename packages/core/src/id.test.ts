import { describe, expect, it } from 'vitest';
import { createId } from './id';

describe('createId', () => {
  it('makes 24 base64url characters that decode to 18 bytes', () => {
    const id = createId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(18);
  });

  it('never repeats an id, across many refills of its random pool', () => {
    const count = 10_000; // ~39 refills of 256 ids
    const ids = new Set(Array.from({ length: count }, () => createId()));
    expect(ids.size).toBe(count);
  });

  it('uses every random byte once: no two ids share an 18-byte window', () => {
    // Overlapping slices of one pool would share most of their bytes: compare the decoded halves.
    const halves = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const bytes = Buffer.from(createId(), 'base64url');
      for (const half of [bytes.subarray(0, 9), bytes.subarray(9)]) {
        const key = half.toString('hex');
        expect(halves.has(key)).toBe(false);
        halves.add(key);
      }
    }
  });
});
