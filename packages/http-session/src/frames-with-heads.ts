import type { QueuedFrame } from './session';

/**
 * A batch of shared frames as one buffer, each after its per-client head (an SSE id line, a
 * multipart part head), so a stream writes a batch with one plain write. A writev of many small
 * pieces costs Node's stream machinery more than copying the hundred bytes a head and a small
 * frame take. `head(key, seq)` must return ASCII (one char, one byte): ids, numbers, boundaries.
 * @example framesWithHeads([{ seq: 1, frame: Buffer.from('data: hi\n\n'), bytes: 10 }], (id, seq) => `id: ${id}.${seq}\n`, 'abc')
 */
export function framesWithHeads<Key>(
  entries: readonly QueuedFrame<Buffer>[],
  head: (key: Key, seq: number) => string,
  key: Key,
): Buffer {
  const heads = entries.map((entry) => head(key, entry.seq));
  let length = 0;
  for (let index = 0; index < entries.length; index++) length += heads[index]!.length + entries[index]!.frame.length;
  const block = Buffer.allocUnsafe(length);
  let at = 0;
  for (let index = 0; index < entries.length; index++) {
    at += block.write(heads[index]!, at, 'latin1');
    at += entries[index]!.frame.copy(block, at);
  }
  return block;
}
