/**
 * The draft-75 and draft-76 opening handshakes (draft-hixie-thewebsocketprotocol-75 and -76,
 * the latter also draft-ietf-hybi-thewebsocketprotocol-00). Pure: headers and bytes in,
 * response bytes or a HandshakeError out.
 *
 * draft-76: each of Sec-WebSocket-Key1/Key2 hides a number: its digits, read as one decimal
 * number, divided by the count of spaces in the key. The answer is the MD5 of both quotients
 * (32-bit big-endian) followed by the 8 bytes (key3) the client sends after its headers.
 */
import { HandshakeError } from '@grappler/core';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Length of key3, the bytes a draft-76 client sends after its header block. */
export const KEY3_BYTES = 8;

const MAX_UINT32 = 0xffffffff;

/** What a valid draft request asks for, read from its headers. */
export interface DraftRequest {
  readonly version: 'draft75' | 'draft76';
  readonly origin: string | undefined;
  readonly host: string;
  readonly resource: string;
  /** The subprotocol the client asked for, if any (the drafts allow one). */
  readonly protocol: string | undefined;
  /** draft-76 only: the two key quotients. */
  readonly keys: readonly [number, number] | undefined;
}

/**
 * Reads one draft-76 key: its digits as a number, divided by its spaces. HTTP parsers trim
 * header values; the draft never puts a key's spaces at either end, so none are lost.
 */
export function parseDraftKey(name: string, value: string | undefined): number | HandshakeError {
  if (value === undefined) return refuse(`missing ${name}`);
  const digits = value.replace(/[^0-9]/g, '');
  const spaces = value.split(' ').length - 1;
  if (digits === '') return refuse(`${name} has no digits`);
  if (spaces === 0) return refuse(`${name} has no spaces`);
  const number = Number(digits);
  // The client builds the number as spaces × a 32-bit quotient, so it never exceeds 32 bits.
  if (digits.replace(/^0+/, '').length > 10 || number > MAX_UINT32) return refuse(`${name} is over 32 bits`);
  if (number % spaces !== 0) return refuse(`${name} is not a multiple of its ${spaces} spaces`);
  return number / spaces;
}

/** Checks a draft request's headers; `headerBytes` is the size of its header block. */
export function parseDraftRequest(
  version: 'draft75' | 'draft76',
  headers: IncomingHttpHeaders,
  url: string,
  limits: { headerBytes: number; maxHeaderBytes: number },
): DraftRequest | HandshakeError {
  if (limits.headerBytes > limits.maxHeaderBytes) {
    return refuse(`header block of ${limits.headerBytes} bytes exceeds maxHeaderBytes (${limits.maxHeaderBytes})`);
  }
  if (headers.upgrade?.toLowerCase() !== 'websocket') return refuse('Upgrade is not WebSocket');
  if (!headers.host) return refuse('missing Host');
  let keys: [number, number] | undefined;
  if (version === 'draft76') {
    const key1 = parseDraftKey('Sec-WebSocket-Key1', single(headers['sec-websocket-key1']));
    if (key1 instanceof HandshakeError) return key1;
    const key2 = parseDraftKey('Sec-WebSocket-Key2', single(headers['sec-websocket-key2']));
    if (key2 instanceof HandshakeError) return key2;
    keys = [key1, key2];
  }
  const protocolHeader = version === 'draft76' ? headers['sec-websocket-protocol'] : headers['websocket-protocol'];
  return {
    version,
    origin: single(headers.origin),
    host: headers.host,
    resource: url,
    protocol: single(protocolHeader),
    keys,
  };
}

/** The 16-byte draft-76 answer: MD5 of both key quotients (big-endian) and key3. */
export function draft76Answer(keys: readonly [number, number], key3: Uint8Array): Buffer {
  const challenge = Buffer.alloc(16);
  challenge.writeUInt32BE(keys[0], 0);
  challenge.writeUInt32BE(keys[1], 4);
  challenge.set(key3.subarray(0, KEY3_BYTES), 8);
  return createHash('md5').update(challenge).digest();
}

/**
 * The server's handshake response. `protocol` is the one the server agreed to (omitted when
 * none); `answer` is required for draft-76.
 */
export function renderDraftResponse(
  request: DraftRequest,
  secure: boolean,
  protocol: string | undefined,
  answer?: Uint8Array,
): Buffer {
  const prefix = request.version === 'draft76' ? 'Sec-WebSocket-' : 'WebSocket-';
  const lines = [
    request.version === 'draft76' ? 'HTTP/1.1 101 WebSocket Protocol Handshake' : 'HTTP/1.1 101 Web Socket Protocol Handshake',
    'Upgrade: WebSocket',
    'Connection: Upgrade',
  ];
  if (request.origin !== undefined) lines.push(`${prefix}Origin: ${request.origin}`);
  lines.push(`${prefix}Location: ${secure ? 'wss' : 'ws'}://${request.host}${request.resource}`);
  if (protocol !== undefined) lines.push(`${prefix}Protocol: ${protocol}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return answer ? Buffer.concat([head, answer]) : head;
}

/** The size of a request's header block as the client sent it (names, values, separators). */
export function headerBlockBytes(rawHeaders: readonly string[]): number {
  let bytes = 0;
  for (const part of rawHeaders) bytes += Buffer.byteLength(part, 'latin1') + 2;
  return bytes;
}

function refuse(message: string): HandshakeError {
  return new HandshakeError('ERR_HANDSHAKE', 400, message);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
