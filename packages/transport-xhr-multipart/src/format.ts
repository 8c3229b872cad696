/**
 * multipart/x-mixed-replace for grappler. Pure: bytes in, bytes out; no socket, no timer.
 *
 *   --B CRLF X-Grappler-Seq: 7 CRLF                  partHead(B, 7): the only bytes made per client
 *   Content-Type: text/plain; charset=utf-8 CRLF     MULTIPART_FORMAT.encode(message): made once per
 *   [Content-Transfer-Encoding: base64 CRLF]         message and shared by every response, whatever
 *   Content-Length: 5 CRLF                           its boundary
 *   CRLF hello CRLF
 *   --B CRLF Content-Type: application/x-grappler-ping CRLF CRLF CRLF      pingPart(B)
 *   --B-- CRLF                                                              closingDelimiter(B)
 *
 * The CRLF that ends a part belongs to the next delimiter (RFC 2046: a delimiter is CRLF "--"
 * boundary), so by the delimiters alone a reader knows a part is complete only when the next part
 * or ping begins: a message could wait a whole pingInterval. `Content-Length` (of the body as sent)
 * lets a reader hand a message on as soon as its last byte arrives, as MJPEG streams do; readers
 * that ignore it still find every part by its delimiters. ./parse-stream.ts reads both ways.
 *
 * Boundary safety. Each response has its own random boundary B = "grappler-" + 24 base64url
 * characters, but the part tail is encoded once for all of them, so it cannot be checked against
 * any one B. It is checked against what every B starts with instead: a payload is sent raw unless
 * it contains "--grappler-"; then it is sent base64-encoded, and base64 has no "-". A delimiter
 * CRLF "--grappler-…" therefore never lies inside a payload, whatever B's random suffix. Nor can
 * one straddle a payload's edge: CR occurs in a delimiter only as its first byte, so an occurrence
 * that began inside a payload would have to match the CR right after the payload at a later
 * position; one that began in the part's own header block could only begin at the CRLF just before
 * the payload, and then the payload would start with "--grappler-". The header lines themselves
 * are fixed text and digits. Binary messages are always base64 (`application/octet-stream`): XHR
 * hands a page the stream as decoded text, where bytes that are not UTF-8 would not survive.
 */
import { randomBytes } from 'node:crypto';
import type { OutboundMessage, WireFormat } from '@grappler/core';

/** What every boundary starts with; a payload containing "--" + this is sent base64-encoded. */
export const BOUNDARY_PREFIX = 'grappler-';
/** Random bytes in a boundary: 18 bytes are 24 base64url characters (144 bits). */
export const BOUNDARY_RANDOM_BYTES = 18;
/** The `Content-Type` of a ping part, which carries no message. */
export const PING_CONTENT_TYPE = 'application/x-grappler-ping';

const MARKER = Buffer.from(`--${BOUNDARY_PREFIX}`, 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
const TEXT_TYPE = 'Content-Type: text/plain; charset=utf-8\r\n';
const BINARY_TYPE = 'Content-Type: application/octet-stream\r\n';
const BASE64 = 'Content-Transfer-Encoding: base64\r\n';

/** Whether a payload must be base64-encoded: it contains "--grappler-", the start of every delimiter's dashes and boundary. */
export function needsBase64(payload: Uint8Array): boolean {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).includes(MARKER);
}

function encodePart(message: OutboundMessage): Buffer {
  const payload = message.bytes;
  const base64 = message.binary || needsBase64(payload);
  const body = base64 ? Buffer.from(payload.toString('base64'), 'latin1') : payload;
  const head = `${message.binary ? BINARY_TYPE : TEXT_TYPE}${base64 ? BASE64 : ''}Content-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body, CRLF]);
}

/**
 * The multipart wire format: `encode` returns a part's headers, blank line, payload and CRLF,
 * without the delimiter line, so one encoding serves every response whatever its boundary.
 * @example MULTIPART_FORMAT.encode(new OutboundMessage('hi'))
 * // "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi\r\n"
 */
export const MULTIPART_FORMAT: WireFormat<Buffer> = Object.freeze({ name: 'multipart', encode: encodePart });

/**
 * A new boundary: "grappler-" and 24 base64url characters from `random`, which must return at
 * least {@link BOUNDARY_RANDOM_BYTES} bytes.
 * @default random: crypto.randomBytes(18)
 */
export function createBoundary(random: () => Buffer = () => randomBytes(BOUNDARY_RANDOM_BYTES)): string {
  const bytes = random();
  if (bytes.length < BOUNDARY_RANDOM_BYTES) {
    throw new TypeError(`createBoundary: random() returned ${bytes.length} bytes, needs ${BOUNDARY_RANDOM_BYTES}`);
  }
  return BOUNDARY_PREFIX + bytes.subarray(0, BOUNDARY_RANDOM_BYTES).toString('base64url');
}

/** The `Content-Type` of a response whose parts are separated by `boundary`. */
export function multipartContentType(boundary: string): string {
  return `multipart/x-mixed-replace; boundary="${boundary}"`;
}

/** The boundary parameter of a multipart `Content-Type` (quoted or not), or undefined. */
export function parseMultipartBoundary(contentType: string | undefined): string | undefined {
  const match = /^\s*multipart\/[^;\s]+\s*;(?:.*;)?\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2];
}

/** The delimiter line and seq header that open a message's part: the only bytes made per client. */
export function partHead(boundary: string, seq: number): Buffer {
  return Buffer.from(partHeadText(boundary, seq), 'latin1');
}

/** {@link partHead} as text (ASCII: the boundary is base64url). */
export function partHeadText(boundary: string, seq: number): string {
  return `--${boundary}\r\nX-Grappler-Seq: ${seq}\r\n`;
}

/** A whole part with no message, written on the hub's ticker so proxies see a live response. */
export function pingPart(boundary: string): Buffer {
  return Buffer.from(`--${boundary}\r\nContent-Type: ${PING_CONTENT_TYPE}\r\n\r\n\r\n`, 'latin1');
}

/** The last bytes of a response: no part follows. */
export function closingDelimiter(boundary: string): Buffer {
  return Buffer.from(`--${boundary}--\r\n`, 'latin1');
}


