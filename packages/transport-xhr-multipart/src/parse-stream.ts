/**
 * An incremental parser for a multipart body, the reading side of ./format.ts: for tests and for
 * Node clients. Pure: chunks in, parts out.
 *
 *   preamble --delimiter--> delimiter --[spaces] CRLF--> headers --empty line--> body --delimiter--> delimiter ...
 *                                                          \--Content-Length--> sized --n bytes, part out--> trailer --delimiter--/
 *   delimiter --"--"--> ended (the epilogue is ignored);   malformed or too large --> failed (sticky)
 *
 * A delimiter is CRLF "--" boundary. The parser starts with a CRLF of its own in its buffer, so
 * a stream that opens with "--" boundary (as grappler's do) needs no special case. A part with a
 * Content-Length is handed out as soon as its body is complete, without waiting for the next
 * delimiter (which may come a whole ping interval later); the delimiter must then follow at once.
 */
import { GrapplerError, type GrapplerErrorCode } from '@grappler/core';
import { PING_CONTENT_TYPE } from './format';

const CRLF = Buffer.from('\r\n', 'latin1');
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
const [CR, LF, DASH, SPACE, TAB] = [0x0d, 0x0a, 0x2d, 0x20, 0x09];

/** One part of a multipart stream, as {@link parseMultipartStream} yields it. */
export interface MultipartPart {
  /** The part's headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The payload, base64-decoded when the part says `Content-Transfer-Encoding: base64`. */
  readonly body: Buffer;
  /** `X-Grappler-Seq`: the message's place in its session; undefined for pings. */
  readonly seq: number | undefined;
  /** True for a ping part, which carries no message. */
  readonly ping: boolean;
}

/** Limits of {@link parseMultipartStream}. */
export interface MultipartParserOptions {
  /** Bytes of one part's header block, and of the padding after a boundary. @default 8192 */
  maxHeaderBytes?: number;
  /**
   * Bytes of one part's body as sent (base64 counted as sent). Twice the hub's default
   * `maxBufferedBytes`: a default hub cuts a client off before it queues a larger message.
   * @default 8 MiB
   */
  maxPartBytes?: number;
}

/** An incremental parser for one response; feed it the body's chunks as they arrive. */
export interface MultipartParser {
  /** The parts this chunk completed, in order; none once the stream has ended or failed. */
  push(chunk: Uint8Array): MultipartPart[];
  /** True once the closing delimiter was read; what follows it (the epilogue) is ignored. */
  readonly ended: boolean;
  /** Why parsing stopped on a malformed stream (`ERR_PROTOCOL`, `ERR_MESSAGE_TOO_LARGE`); sticky. */
  readonly error: GrapplerError | undefined;
}

/**
 * A parser for a multipart body with this boundary, for tests and Node clients: any chunking of
 * the same bytes yields the same parts. A preamble before the first delimiter is skipped.
 * @example
 * const parser = parseMultipartStream(parseMultipartBoundary(res.headers['content-type'])!);
 * res.on('data', (chunk) => { for (const part of parser.push(chunk)) if (!part.ping) handle(part.body); });
 */
export function parseMultipartStream(boundary: string, options: MultipartParserOptions = {}): MultipartParser {
  return new StreamParser(boundary, options.maxHeaderBytes ?? 8192, options.maxPartBytes ?? 8 << 20);
}

/** Each step consumes what it has read and says whether it can go on with the bytes it has. */
class StreamParser implements MultipartParser {
  readonly #delimiter: Buffer;
  readonly #maxHeaderBytes: number;
  readonly #maxPartBytes: number;
  readonly #bytes = byteQueue();
  #state: 'preamble' | 'delimiter' | 'headers' | 'body' | 'sized' | 'trailer' | 'ended' | 'failed' = 'preamble';
  #headers: Record<string, string> = {};
  #length = 0;
  #searchFrom = 0;
  #error: GrapplerError | undefined;

  constructor(boundary: string, maxHeaderBytes: number, maxPartBytes: number) {
    this.#delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.#maxHeaderBytes = maxHeaderBytes;
    this.#maxPartBytes = maxPartBytes;
    this.#bytes.append(CRLF); // the first delimiter may open the stream with no CRLF before it
  }

  get ended(): boolean {
    return this.#state === 'ended';
  }

  get error(): GrapplerError | undefined {
    return this.#error;
  }

  push(chunk: Uint8Array): MultipartPart[] {
    const parts: MultipartPart[] = [];
    if (this.#state === 'ended' || this.#state === 'failed') return parts;
    this.#bytes.append(chunk);
    let progressing = true;
    while (progressing) progressing = this.#step(parts);
    return parts;
  }

  #step(parts: MultipartPart[]): boolean {
    switch (this.#state) {
      case 'preamble':
      case 'body':
        return this.#seekDelimiter(parts);
      case 'delimiter':
        return this.#endDelimiterLine();
      case 'headers':
        return this.#readHeaders();
      case 'sized':
        return this.#readSized(parts);
      case 'trailer':
        return this.#expectDelimiter();
      default:
        return false;
    }
  }

  /** Finds the next delimiter: what precedes it is a part's body, or a preamble to drop. */
  #seekDelimiter(parts: MultipartPart[]): boolean {
    const view = this.#bytes.view;
    const at = view.indexOf(this.#delimiter, this.#searchFrom);
    if (at < 0) {
      // A delimiter split across chunks starts in the last delimiter.length - 1 bytes.
      this.#searchFrom = Math.max(0, view.length - this.#delimiter.length + 1);
      if (this.#state === 'preamble') {
        this.#bytes.skip(this.#searchFrom);
        this.#searchFrom = 0;
      } else if (this.#searchFrom > this.#maxPartBytes) {
        return this.#fail('ERR_MESSAGE_TOO_LARGE', `a part exceeds maxPartBytes (${this.#maxPartBytes})`);
      }
      return false;
    }
    if (this.#state === 'body') {
      if (at > this.#maxPartBytes) return this.#fail('ERR_MESSAGE_TOO_LARGE', `a part exceeds maxPartBytes (${this.#maxPartBytes})`);
      if (!this.#emit(parts, view.subarray(0, at))) return false;
    }
    this.#bytes.skip(at + this.#delimiter.length);
    this.#searchFrom = 0;
    this.#state = 'delimiter';
    return true;
  }

  /** After a boundary: "--" closes the stream; otherwise optional spaces and CRLF. */
  #endDelimiterLine(): boolean {
    const view = this.#bytes.view;
    if (view.length < 2) return false;
    if (view[0] === DASH && view[1] === DASH) {
      this.#state = 'ended';
      this.#bytes.skip(view.length);
      return false;
    }
    const eol = view.indexOf(CRLF);
    const padding = view.subarray(0, eol >= 0 ? eol : view.at(-1) === CR ? view.length - 1 : view.length);
    if (!padding.every((byte) => byte === SPACE || byte === TAB)) {
      return this.#fail('ERR_PROTOCOL', 'a boundary must be followed by CRLF or "--"');
    }
    if (eol < 0) return padding.length > this.#maxHeaderBytes ? this.#fail('ERR_PROTOCOL', 'a delimiter line never ends') : false;
    this.#bytes.skip(eol + 2);
    this.#state = 'headers';
    return true;
  }

  /** The header block ends with an empty line; a part may have no headers at all. */
  #readHeaders(): boolean {
    const view = this.#bytes.view;
    if (view.length < 2) return false;
    const empty = view[0] === CR && view[1] === LF;
    const end = empty ? 0 : view.indexOf(HEADER_END);
    // Unfound, the block ends at least at view.length - 3 (its CRLF CRLF may have begun).
    if ((end < 0 ? view.length - 3 : end) > this.#maxHeaderBytes) {
      return this.#fail('ERR_PROTOCOL', `a part's headers exceed maxHeaderBytes (${this.#maxHeaderBytes})`);
    }
    if (end < 0) return false;
    const headers = empty ? {} : parseHeaderLines(view.toString('latin1', 0, end));
    if (!headers) return this.#fail('ERR_PROTOCOL', 'a part header line has no name and colon');
    this.#headers = headers;
    this.#bytes.skip(empty ? 2 : end + 4);
    return this.#startBody(headers['content-length']);
  }

  #startBody(length: string | undefined): boolean {
    this.#state = 'body';
    if (length === undefined) return true;
    if (!/^\d{1,15}$/.test(length)) return this.#fail('ERR_PROTOCOL', `a part has an invalid Content-Length: ${length}`);
    this.#length = Number(length);
    if (this.#length > this.#maxPartBytes) return this.#fail('ERR_MESSAGE_TOO_LARGE', `a part exceeds maxPartBytes (${this.#maxPartBytes})`);
    this.#state = 'sized';
    return true;
  }

  /** A body of known length: out as soon as it is complete. */
  #readSized(parts: MultipartPart[]): boolean {
    const view = this.#bytes.view;
    if (view.length < this.#length) return false;
    if (!this.#emit(parts, view.subarray(0, this.#length))) return false;
    this.#bytes.skip(this.#length);
    this.#state = 'trailer';
    return true;
  }

  /** After a sized body, the delimiter must come next: anything else means the length was wrong. */
  #expectDelimiter(): boolean {
    const view = this.#bytes.view;
    const seen = Math.min(view.length, this.#delimiter.length);
    if (!view.subarray(0, seen).equals(this.#delimiter.subarray(0, seen))) {
      return this.#fail('ERR_PROTOCOL', 'a part does not end where its Content-Length says');
    }
    if (seen < this.#delimiter.length) return false;
    this.#bytes.skip(seen);
    this.#state = 'delimiter';
    return true;
  }

  #emit(parts: MultipartPart[], raw: Buffer): boolean {
    const part = readPart(this.#headers, raw);
    if (part instanceof GrapplerError) return this.#fail(part.code, part.message);
    parts.push(part);
    return true;
  }

  #fail(code: GrapplerErrorCode, message: string): false {
    this.#state = 'failed';
    this.#error = new GrapplerError(code, message);
    return false;
  }
}

function parseHeaderLines(block: string): Record<string, string> | undefined {
  const entries: [string, string][] = [];
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    entries.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return Object.fromEntries(entries);
}

const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RAW_ENCODINGS: ReadonlySet<string> = new Set(['', '7bit', '8bit', 'binary']);

/** A finished part: the body decoded (a copy: the parser's buffer is reused) and its grappler headers read. */
function readPart(headers: Readonly<Record<string, string>>, raw: Buffer): MultipartPart | GrapplerError {
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  let body: Buffer;
  if (encoding === 'base64') {
    const text = raw.toString('latin1').replace(/[\r\n\t ]/g, '');
    if (!BASE64_TEXT.test(text)) return new GrapplerError('ERR_PROTOCOL', 'a base64 part is not valid base64');
    body = Buffer.from(text, 'base64');
  } else if (RAW_ENCODINGS.has(encoding)) {
    body = Buffer.from(raw);
  } else {
    return new GrapplerError('ERR_PROTOCOL', `unsupported Content-Transfer-Encoding: ${encoding}`);
  }
  const seq = headers['x-grappler-seq'];
  const type = (headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return { headers, body, seq: seq !== undefined && /^\d{1,15}$/.test(seq) ? Number(seq) : undefined, ping: type === PING_CONTENT_TYPE };
}

/** A byte buffer that grows by doubling and consumes from the front: parsing a long stream copies each byte O(1) times. */
function byteQueue(): { readonly view: Buffer; append(chunk: Uint8Array): void; skip(count: number): void } {
  let buffer = Buffer.alloc(0);
  let start = 0;
  let end = 0;
  return {
    get view() {
      return buffer.subarray(start, end);
    },
    append(chunk) {
      if (end + chunk.length > buffer.length) {
        const live = end - start;
        const needed = live + chunk.length;
        const target = needed > buffer.length / 2 ? Buffer.allocUnsafe(Math.max(2 * needed, 4096)) : buffer;
        buffer.copy(target, 0, start, end);
        buffer = target;
        start = 0;
        end = live;
      }
      buffer.set(chunk, end);
      end += chunk.length;
    },
    skip(count) {
      start += count;
      if (start < end) return;
      start = 0;
      end = 0;
      if (buffer.length > 1 << 16) buffer = Buffer.alloc(0); // give back what one large part needed
    },
  };
}
