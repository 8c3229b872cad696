/**
 * An incremental parser for grappler's multipart stream (multipart/x-mixed-replace): bytes in,
 * parts out. Pure and browser-safe (Uint8Array only). The reading side of the server's format:
 *
 *   preamble --delimiter--> line end --CRLF--> headers --blank line--> body --delimiter--> line end ...
 *                                                          \--Content-Length: n--> n bytes, part out --> seek delimiter
 *   line end --"--"--> ended;   malformed or over a limit --> failed (sticky)
 *
 * A delimiter is CRLF "--" boundary; the buffer starts with a CRLF of its own so that a stream
 * opening with "--" boundary needs no special case. A part with Content-Length is handed out as
 * soon as its last byte arrives, without waiting for the next delimiter (a ping interval later).
 */
import { decodeBase64 } from '../base64';

/** One part of the stream. */
export interface MultipartPart {
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The payload, base64-decoded when `Content-Transfer-Encoding: base64`. */
  readonly body: Uint8Array;
  /** `X-Grappler-Seq`, the message's place in its session; undefined when absent (pings). */
  readonly seq: number | undefined;
  /** True for `application/x-grappler-ping` parts, which carry no message. */
  readonly ping: boolean;
}

/** An incremental parser; feed it a response's chunks as they arrive. */
export interface MultipartParser {
  /** The parts this chunk completed, in order; none once ended or failed. */
  push(chunk: Uint8Array): MultipartPart[];
  /** True once the closing delimiter was read. */
  readonly ended: boolean;
  /** Why parsing stopped, when the stream was malformed or over a limit; sticky. */
  readonly error: string | undefined;
}

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const CRLF = latin1('\r\n');
const BLANK_LINE = latin1('\r\n\r\n');

/** Where `needle` first occurs in `haystack` at or after `from`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first!, from); i >= 0 && i <= haystack.length - needle.length; i = haystack.indexOf(first!, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The `boundary` parameter of a multipart Content-Type, unquoted; undefined when there is none. */
export function parseMultipartBoundary(contentType: string | null): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Creates a parser for one response with this boundary. */
export function createMultipartParser(boundary: string, maxHeaderBytes = 8192, maxPartBytes: number = 8 << 20): MultipartParser {
  const delimiter = latin1(`\r\n--${boundary}`);
  let buffer: Uint8Array = CRLF;
  let state: 'preamble' | 'line' | 'headers' | 'body' | 'sized' | 'after' | 'ended' | 'failed' = 'preamble';
  let headers: Record<string, string> = {};
  let length = 0;
  let error: string | undefined;

  const fail = (why: string): false => {
    error = why;
    state = 'failed';
    return false;
  };
  const consume = (n: number): void => {
    buffer = buffer.subarray(n);
  };
  const emit = (parts: MultipartPart[], raw: Uint8Array): void => {
    const base64 = headers['content-transfer-encoding']?.toLowerCase() === 'base64';
    const seq = headers['x-grappler-seq'];
    parts.push({
      headers,
      body: base64 ? decodeBase64(new TextDecoder().decode(raw)) : raw.slice(),
      seq: seq === undefined ? undefined : Number(seq),
      ping: (headers['content-type'] ?? '').startsWith('application/x-grappler-ping'),
    });
  };

  /** One step of the state machine: true when it made progress and may go on. */
  const step = (parts: MultipartPart[]): boolean => {
    switch (state) {
      case 'preamble':
      case 'body':
      case 'after': {
        const at = indexOfBytes(buffer, delimiter);
        if (at < 0) {
          if (buffer.length > maxPartBytes + delimiter.length) return fail(`a part exceeds maxPartBytes (${maxPartBytes})`);
          if (state !== 'body') consume(Math.max(0, buffer.length - delimiter.length + 1));
          return false;
        }
        if (state === 'body') emit(parts, buffer.subarray(0, at));
        consume(at + delimiter.length);
        state = 'line';
        return true;
      }
      case 'line': {
        if (buffer.length < 2) return false;
        if (buffer[0] === 0x2d && buffer[1] === 0x2d) {
          state = 'ended';
          return false;
        }
        const end = indexOfBytes(buffer, CRLF);
        if (end < 0) return buffer.length > maxHeaderBytes ? fail('a delimiter line exceeds maxHeaderBytes') : false;
        consume(end + 2);
        state = 'headers';
        return true;
      }
      case 'headers':
        return readHeaders();
      case 'sized': {
        if (buffer.length < length) return false;
        emit(parts, buffer.subarray(0, length));
        consume(length);
        state = 'after';
        return true;
      }
      default:
        return false;
    }
  };

  const readHeaders = (): boolean => {
    // The header block is the lines up to an empty one; with no headers the block is just CRLF.
    const end = buffer[0] === 0x0d && buffer[1] === 0x0a ? -2 : indexOfBytes(buffer, BLANK_LINE);
    if (end === -1) return buffer.length > maxHeaderBytes ? fail(`a header block exceeds maxHeaderBytes (${maxHeaderBytes})`) : false;
    if (end > maxHeaderBytes) return fail(`a header block exceeds maxHeaderBytes (${maxHeaderBytes})`);
    headers = {};
    const text = end < 0 ? '' : new TextDecoder().decode(buffer.subarray(0, end));
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    consume(end < 0 ? 2 : end + 4);
    const declared = headers['content-length'];
    if (declared === undefined) {
      state = 'body';
      return true;
    }
    length = Number(declared);
    if (!Number.isInteger(length) || length < 0) return fail(`a malformed Content-Length: ${declared}`);
    if (length > maxPartBytes) return fail(`a part exceeds maxPartBytes (${maxPartBytes})`);
    state = 'sized';
    return true;
  };

  return {
    get ended() {
      return state === 'ended';
    },
    get error() {
      return error;
    },
    push(chunk) {
      const parts: MultipartPart[] = [];
      if (state === 'ended' || state === 'failed') return parts;
      const joined = new Uint8Array(buffer.length + chunk.length);
      joined.set(buffer);
      joined.set(chunk, buffer.length);
      buffer = joined;
      while (step(parts)) {
        /* each step consumes what it read */
      }
      return error === undefined ? parts : [];
    },
  };
}
