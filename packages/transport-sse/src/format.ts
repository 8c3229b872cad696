/**
 * The Server-Sent Events wire format. Pure: strings and bytes in, strings and bytes out.
 *
 *   hub message --SSE_FORMAT.encode (once per broadcast)--> data block, shared by every client
 *   per client, per frame: sseIdLine(session, seq) + the shared data block
 *
 * A text message becomes one `data:` field per line followed by the blank line that ends the
 * event. Splitting on every line break an SSE parser knows (`\r\n`, `\r`, `\n`) means no message
 * can smuggle in a field of its own (`event:`, `id:`, `retry:`) or end its event early.
 */
import type { OutboundMessage, WireFormat } from '@grappler/core';

/** The event type of a binary message (`event: binary`, base64 data). */
export const SSE_BINARY_EVENT = 'binary';

/** Every line break an SSE parser recognizes. */
const LINE_BREAK = /\r\n|\r|\n/;

/** A session id as `createId()` makes it (base64url), a dot, then the seq. */
const LAST_EVENT_ID = /^([A-Za-z0-9_-]{1,128})\.(\d{1,15})$/;

/**
 * The data block of one event, without its `id:` line: `data: <line>\n` per line of `text`,
 * then the blank line.
 * @example encodeSseText('a\nb') // 'data: a\ndata: b\n\n'
 */
export function encodeSseText(text: string): string {
  let block = '';
  for (const line of text.split(LINE_BREAK)) block += `data: ${line}\n`;
  return `${block}\n`;
}

/**
 * The block of a binary message: `event: binary` and the bytes in base64. A native
 * `EventSource`'s `onmessage` does not see it (it is not a `message` event);
 * `addEventListener('binary', …)` and `@grappler/client` do.
 */
export function encodeSseBinary(bytes: Uint8Array): string {
  return `event: ${SSE_BINARY_EVENT}\ndata: ${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}\n\n`;
}

/**
 * The SSE wire format: each message is encoded once into the block every SSE client gets; the
 * per-client `id:` line is written in front of it by the transport.
 */
export const SSE_FORMAT: WireFormat<Buffer> = Object.freeze({
  name: 'sse',
  encode: (message: OutboundMessage): Buffer =>
    Buffer.from(message.binary ? encodeSseBinary(message.bytes) : encodeSseText(message.text ?? ''), 'utf8'),
});

/**
 * The `id:` field of one event: the session and the seq. A native `EventSource` sends it back as
 * `Last-Event-ID` when it reconnects, which is all it takes to resume: no cookie, no query.
 * @example sseIdLine('s3ss10n', 7) // 'id: s3ss10n.7\n'
 */
export function sseIdLine(sessionId: string, seq: number): string {
  return `id: ${sessionId}.${seq}\n`;
}

/** Where a `Last-Event-ID` says a client is: its session and the last seq it received. */
export interface LastEventId {
  readonly sessionId: string;
  readonly seq: number;
}

/**
 * Reads a `Last-Event-ID` written by {@link sseIdLine}. Strict: a base64url id, a dot, digits;
 * anything else (absent, empty, another server's ids) is undefined, and the request starts a new
 * session.
 */
export function parseLastEventId(value: string | undefined | null): LastEventId | undefined {
  if (typeof value !== 'string') return undefined;
  const match = LAST_EVENT_ID.exec(value);
  if (!match) return undefined;
  return { sessionId: match[1]!, seq: Number(match[2]) };
}

/**
 * The `retry:` field: how many milliseconds a native `EventSource` waits before reconnecting.
 * @example retryField(2000) // 'retry: 2000\n'
 */
export function retryField(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`retry must be a whole number of milliseconds, got ${ms}`);
  return `retry: ${ms}\n`;
}

/**
 * A comment line, ignored by every SSE parser. Line breaks in `text` become spaces, so a comment
 * cannot end early and start a field.
 * @example commentLine('hello') // ': hello\n'
 */
export function commentLine(text = ''): string {
  return text === '' ? ':\n' : `: ${text.replace(/\r\n|\r|\n/g, ' ')}\n`;
}

/** The heartbeat: an empty comment and a blank line (which dispatches nothing). */
export const SSE_PING = ':\n\n';

/**
 * A comment of exactly `bytes` bytes (0 gives ''), sent first for proxies and old browsers
 * (IE's XDomainRequest) that buffer the first 2 KiB of a response before passing any of it on.
 */
export function paddingComment(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`padding must be a whole number of bytes, got ${bytes}`);
  if (bytes === 0) return '';
  // One byte cannot hold a comment; a lone line break is a blank line, which dispatches nothing.
  if (bytes === 1) return '\n';
  return `:${' '.repeat(bytes - 2)}\n`;
}
