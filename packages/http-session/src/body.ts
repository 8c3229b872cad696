/**
 * Messages an HTTP client POSTs. Pure. The format, for every HTTP transport:
 *
 *   Content-Type: text/plain           the whole body is one message (UTF-8)
 *   Content-Type: application/json     a JSON string (one message) or an array of strings
 *                                      (several, delivered in order); a framed session's array
 *                                      may also hold channel commands, {"t":"join","c":"room"}
 */
import { type UpstreamItem, parseUpstreamItem } from '@grappler/core';
import { isUtf8 } from 'node:buffer';

/** Why a body was refused: the HTTP status and a sentence for the client. */
export interface BodyError {
  readonly status: 400 | 415;
  readonly message: string;
}

/**
 * The messages in a body, or why it is refused. With `commands` (a framed session), array
 * entries may also be channel commands (docs/framed-mode.md).
 */
export function parseMessages(contentType: string | undefined, body: Uint8Array, commands = false): UpstreamItem[] | BodyError {
  const type = (contentType ?? 'text/plain').split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'text/plain' && type !== 'application/json') {
    return { status: 415, message: `unsupported Content-Type ${type}: send text/plain or application/json` };
  }
  if (!isUtf8(body)) return { status: 400, message: 'the body is not valid UTF-8' };
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (type === 'text/plain') return [text];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { status: 400, message: 'the body is not valid JSON' };
  }
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  if (commands && Array.isArray(value)) {
    const items = value.map(parseUpstreamItem);
    if (items.every((item) => item !== undefined)) return items;
  }
  const expected = commands ? 'an array of strings and channel commands' : 'an array of strings';
  return { status: 400, message: `a JSON body must be a string or ${expected}` };
}
