/**
 * The one message every server broadcasts: `bench:<seq, 10 digits>:` padded with `x` to the
 * workload's size (64 bytes by default). It is plain ASCII, so every wire format (WebSocket text,
 * SSE `data:`, multipart bodies, JSON strings in long-poll, Engine.IO and SockJS frames) carries it
 * unescaped, and the load generator finds it by its marker without parsing the framing around it.
 */
export const MARKER: Buffer = Buffer.from('bench:');
const DIGITS = 10;
/** Marker, digits and the colon after them: the bytes a reader needs before it can count one. */
export const HEAD_BYTES: number = MARKER.length + DIGITS + 1;

/** The payload for message `seq`, `bytes` long (never shorter than its head). */
export function makePayload(seq: number, bytes: number): string {
  const head = `bench:${String(seq).padStart(DIGITS, '0')}:`;
  return bytes > head.length ? head + 'x'.repeat(bytes - head.length) : head;
}

/** Reads the 10 digits after a marker that starts at `at`; -1 when they are not all digits. */
export function readSeq(buf: Buffer, at: number): number {
  let seq = 0;
  const start = at + MARKER.length;
  for (let i = start; i < start + DIGITS; i++) {
    const digit = buf[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    seq = seq * 10 + digit;
  }
  return seq;
}

/** Calls `found(seq)` for every complete payload head in `buf[start, end)`; returns how many. */
export function scanPayloads(buf: Buffer, start: number, end: number, found: (seq: number) => void): number {
  let count = 0;
  let at = buf.indexOf(MARKER, start);
  while (at !== -1 && at + HEAD_BYTES <= end) {
    const seq = readSeq(buf, at);
    if (seq >= 0) {
      found(seq);
      count++;
    }
    at = buf.indexOf(MARKER, at + HEAD_BYTES);
  }
  return count;
}

/**
 * Finds payload heads in a byte stream that arrives in arbitrary pieces: a head split across two
 * pieces is kept (at most {@link HEAD_BYTES} − 1 bytes) and completed by the next one.
 */
export class StreamScanner {
  #tail: Buffer | null = null;
  readonly #found: (seq: number) => void;

  constructor(found: (seq: number) => void) {
    this.#found = found;
  }

  /** Scans one piece; returns how many payloads it completed. */
  push(piece: Buffer): number {
    const buf = this.#tail === null ? piece : Buffer.concat([this.#tail, piece]);
    this.#tail = null;
    let count = 0;
    let resumeAt = 0;
    let at = buf.indexOf(MARKER, 0);
    while (at !== -1) {
      if (at + HEAD_BYTES > buf.length) break;
      const seq = readSeq(buf, at);
      if (seq >= 0) {
        this.#found(seq);
        count++;
      }
      resumeAt = at + HEAD_BYTES;
      at = buf.indexOf(MARKER, resumeAt);
    }
    // Keep what could be the start of a head cut off by the end of this piece.
    const keepFrom = Math.max(resumeAt, buf.length - (HEAD_BYTES - 1));
    if (keepFrom < buf.length) this.#tail = Buffer.from(buf.subarray(keepFrom));
    return count;
  }
}
