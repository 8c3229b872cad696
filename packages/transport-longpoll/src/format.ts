/**
 * The long-poll wire format. Pure. Every poll response is one JSON object:
 *
 *   {"session":"<id>","seq":<n>,"messages":[<message>,...]}
 *
 * where a text message is a JSON string and a binary one `{"base64":"..."}`. A message's JSON
 * is its frame: made once per message by the hub and shared by every long-poll client, so a
 * batch is the envelope around frames that are concatenated, never re-encoded.
 */
import type { OutboundMessage, WireFormat } from '@grappler/core';

/** A poll response as the client parses it (`JSON.parse` of the body). */
export interface LongpollBatch {
  /** The session id: the client sends it back on every poll and POST. */
  readonly session: string;
  /** The seq of the last message in `messages` (an empty batch: the seq the poll sent, or 0): the client's next `?seq=`. */
  readonly seq: number;
  /** In order; a string is a text message, `{ base64 }` a binary one. */
  readonly messages: readonly (string | { readonly base64: string })[];
}

/** The media type of every poll response. */
export const LONGPOLL_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Encodes a message as its JSON value in UTF-8, once per message for every long-poll client.
 * `JSON.stringify` escapes quotes, backslashes and control characters, and writes lone
 * surrogates as `\udXXX`, so any string survives the UTF-8 bytes and comes back from `JSON.parse`.
 * @example LONGPOLL_FORMAT.encode(new OutboundMessage('hi')).toString() // '"hi"'
 */
export const LONGPOLL_FORMAT: WireFormat<Buffer> = Object.freeze({
  name: 'longpoll-json',
  encode: (message: OutboundMessage): Buffer =>
    Buffer.from(
      message.binary ? `{"base64":"${message.bytes.toString('base64')}"}` : JSON.stringify(message.text ?? ''),
      'utf8',
    ),
});

const COMMA = 0x2c;
const TAIL = ']}';

/**
 * The body of a poll response: the envelope around `frames` (made by {@link LONGPOLL_FORMAT}),
 * copied as they are into one buffer, the only one a poll's answer allocates. `seq` must be a
 * non-negative integer (a TypeError otherwise: a bug, not input).
 * @example renderBatch('abc', 2, [Buffer.from('"hi"')]).toString() // '{"session":"abc","seq":2,"messages":["hi"]}'
 */
export function renderBatch(sessionId: string, seq: number, frames: readonly Buffer[]): Buffer {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new TypeError(`seq must be a non-negative integer, got ${seq}`);
  const head = `{"session":${JSON.stringify(sessionId)},"seq":${seq},"messages":[`;
  const headBytes = Buffer.byteLength(head, 'utf8');
  let length = headBytes + TAIL.length + Math.max(frames.length - 1, 0);
  for (const frame of frames) length += frame.length;
  const body = Buffer.allocUnsafe(length);
  let at = body.write(head, 0, 'utf8');
  for (let index = 0; index < frames.length; index++) {
    if (index > 0) body[at++] = COMMA;
    at += frames[index]!.copy(body, at);
  }
  body.write(TAIL, at, 'latin1');
  return body;
}
