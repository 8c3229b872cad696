import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { framesWithHeads } from './frames-with-heads';

const idLine = (id: string, seq: number): string => `id: ${id}.${seq}\n`;

describe('framesWithHeads', () => {
  it('puts each frame after its own head, in order, in one buffer', () => {
    const shared = Buffer.from('data: hi\n\n');
    const block = framesWithHeads(
      [
        { seq: 7, frame: shared, bytes: shared.length },
        { seq: 8, frame: Buffer.from('data: é\n\n'), bytes: 10 },
      ],
      idLine,
      'abc',
    );
    expect(block.toString('utf8')).toBe('id: abc.7\ndata: hi\n\nid: abc.8\ndata: é\n\n');
  });

  it('equals the concatenation of every head and frame (any frames, any ASCII key)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abcXYZ019-_'.split('')), maxLength: 24 }),
        fc.array(fc.record({ seq: fc.nat(), frame: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) }), { maxLength: 8 }),
        (key, frames) => {
          const entries = frames.map(({ seq, frame }) => ({ seq, frame, bytes: frame.length }));
          const expected = Buffer.concat(entries.flatMap((entry) => [Buffer.from(idLine(key, entry.seq), 'latin1'), entry.frame]));
          expect(framesWithHeads(entries, idLine, key).equals(expected)).toBe(true);
        },
      ),
    );
  });
});
