import fc from 'fast-check';

/** Bytes from a hex string with optional spaces: `hex('00 68 69 ff')`. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

/** Splits bytes at the given (unsorted, possibly repeated) offsets. */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts)].filter((cut) => cut > 0 && cut < bytes.length).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** An arbitrary set of cut points inside a buffer of `length` bytes. */
export function cutPoints(length: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: Math.max(0, length) }), { maxLength: Math.max(1, length) });
}
