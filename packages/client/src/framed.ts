/**
 * Framed mode (docs/framed-mode.md), the client's reading side: one JSON text per server frame in,
 * what it means for the client out. Pure: no link, no timer, no emitter.
 *
 *   text --parseFrame--> Frame, or ClientError ERR_PROTOCOL when it is not a v1 frame
 *   position + text --readFrame--> the next position + events: hello (then a gap when a new client
 *   replaced an old one), message (plain, or to a channel, with its stamp), reply (joined, left,
 *   error: answers to channel commands), gap, ack. Everything but hello and ack is numbered: at or
 *   below the cursor it is a duplicate (a resent response): no event, the position unchanged.
 *   A frame of a type this version does not know is skipped (moving the cursor when numbered).
 */
import { decodeBase64 } from './base64';
import { ClientError } from './errors';

/** The WebSocket subprotocol that selects framed mode. */
export const SUBPROTOCOL = 'grappler.v1';

/** The stamp of a message: its id (`<node>.<s>`), when it was sent (ms) and its sender when the server sends one along. */
export interface MessageMeta {
  /** Unique across the cluster; undefined from a server that does not stamp messages. */
  readonly id: string | undefined;
  /** When the server sent it, in ms since the epoch. */
  readonly time: number | undefined;
  /** Who sent it (any JSON), when the application sends the sender along; else undefined. */
  readonly from: unknown;
}

/** The stamp of a channel message, and its channel. */
export interface ChannelMeta extends MessageMeta {
  readonly channel: string;
}

/** A reply to a channel command: `ref` is the command's upstream number (absent when the server acted by itself). */
export type Reply =
  | { readonly t: 'joined' | 'left' | 'published'; readonly c: string; readonly ref: number | undefined }
  | { readonly t: 'error'; readonly code: string; readonly message: string; readonly c: string | undefined; readonly ref: number | undefined };

/** One server frame, checked. `ignored`: a type this version does not know (numbered or not). */
export type Frame =
  | { readonly t: 'message'; readonly s: number; readonly data: string | Uint8Array; readonly channel: string | undefined; readonly meta: MessageMeta }
  | ({ readonly s: number } & Reply)
  | { readonly t: 'ignored'; readonly s: number | undefined }
  | { readonly t: 'hello'; readonly s: number; readonly id: string; readonly token: string; readonly resumed: boolean; readonly up: number }
  | { readonly t: 'gap'; readonly s: number; readonly from: number }
  | { readonly t: 'ack'; readonly up: number };

/** Where the client is in the server's stream; kept by the client across links of every transport. */
export interface StreamPosition {
  /** The highest `s` seen (messages, replies, gaps, the hello of a new client); 0 before any. */
  readonly cursor: number;
  /** The resume token of the last hello; undefined before the first. */
  readonly token: string | undefined;
  /** The server's client id from the last hello. */
  readonly id: string | undefined;
}

/** Messages `from`..`to` may have been addressed to the client and are lost; `to` undefined: the extent is unknown. */
export interface Gap {
  readonly from: number;
  readonly to: number | undefined;
}

/** What a frame means for the client. */
export type FrameEvent =
  | { readonly type: 'hello'; readonly resumed: boolean; readonly up: number }
  | { readonly type: 'message'; readonly data: string | Uint8Array; readonly meta: MessageMeta }
  | { readonly type: 'channel'; readonly data: string | Uint8Array; readonly meta: ChannelMeta }
  | { readonly type: 'reply'; readonly reply: Reply }
  | ({ readonly type: 'gap' } & Gap)
  | { readonly type: 'ack'; readonly up: number };

/** The position before the first hello. */
export const START: StreamPosition = Object.freeze({ cursor: 0, token: undefined, id: undefined });

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isSeq = (value: unknown): value is number => isCount(value) && value > 0;
const isString = (value: unknown): value is string => typeof value === 'string';
/** An optional field: absent, or of the right kind. */
const optional = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || check(value);
const malformed = (why: string): ClientError => new ClientError('ERR_PROTOCOL', `a malformed frame: ${why}`);

/**
 * Checks one frame's fields; a ClientError ERR_PROTOCOL says what is wrong. Never throws. Unknown
 * fields are ignored, and so is a frame of an unknown type (later versions may add both); a
 * known field of the wrong kind is malformed.
 */
export function parseFrame(text: string): Frame | ClientError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return malformed('not an object');
  const f = value as Record<string, unknown>;
  switch (f.t) {
    case undefined:
      return parseMessage(f);
    case 'joined':
    case 'left':
    case 'published':
      return isSeq(f.s) && isString(f.c) && optional(f.ref, isSeq)
        ? { t: f.t, s: f.s, c: f.c, ref: f.ref as number | undefined }
        : malformed(`a ${f.t} reply needs s, c and a numbered ref`);
    case 'error':
      return isSeq(f.s) && isString(f.code) && isString(f.message) && optional(f.c, isString) && optional(f.ref, isSeq)
        ? { t: 'error', s: f.s, code: f.code, message: f.message, c: f.c as string | undefined, ref: f.ref as number | undefined }
        : malformed('an error reply needs s, code and message');
    case 'hello':
      return isCount(f.s) && isString(f.id) && isString(f.token) && f.token !== '' && typeof f.resumed === 'boolean' && isCount(f.up)
        ? { t: 'hello', s: f.s, id: f.id, token: f.token, resumed: f.resumed, up: f.up }
        : malformed('a hello needs s, id, token, resumed and up');
    case 'gap':
      return isSeq(f.s) && isSeq(f.from) && f.from <= f.s ? { t: 'gap', s: f.s, from: f.from } : malformed('a gap needs s >= from >= 1');
    case 'ack':
      return isCount(f.up) ? { t: 'ack', up: f.up } : malformed('an ack needs up');
    default:
      if (!isString(f.t) || !optional(f.s, isSeq)) return malformed('t must be a string, s a number >= 1');
      return { t: 'ignored', s: f.s as number | undefined };
  }
}

function parseMessage(f: Record<string, unknown>): Frame | ClientError {
  if (!isSeq(f.s)) return malformed('a message needs s >= 1');
  if (!optional(f.id, isString) || !optional(f.ts, Number.isFinite) || !optional(f.c, isString)) {
    return malformed('a message has id and c as strings, ts as a number');
  }
  const head = { t: 'message', s: f.s, channel: f.c as string | undefined, meta: { id: f.id as string | undefined, time: f.ts as number | undefined, from: f.from } } as const;
  if (isString(f.d) && f.b === undefined) return { ...head, data: f.d };
  if (!isString(f.b) || f.d !== undefined) return malformed('a message needs d (text) or b (base64)');
  try {
    return { ...head, data: decodeBase64(f.b) };
  } catch {
    return malformed('b is not base64');
  }
}

/** The result of {@link readFrame}. */
export interface FrameResult {
  readonly position: StreamPosition;
  readonly events: FrameEvent[];
}

/**
 * Reads one frame at `position`. A hello of a new client (`resumed` false) after an earlier token
 * also yields a gap from the old cursor: up to the hello's `s` when it is above the old cursor;
 * of unknown extent (`to` undefined) when it is below (the server restarted and numbers again
 * from 1); none when it is the old cursor (nothing was numbered since).
 */
export function readFrame(position: StreamPosition, text: string): FrameResult | ClientError {
  const frame = parseFrame(text);
  if (frame instanceof ClientError) return frame;
  const { cursor } = position;
  switch (frame.t) {
    case 'hello': {
      const next = { cursor: frame.resumed && position.token !== undefined ? cursor : frame.s, token: frame.token, id: frame.id };
      const events: FrameEvent[] = [{ type: 'hello', resumed: frame.resumed, up: frame.up }];
      if (!frame.resumed && position.token !== undefined && frame.s !== cursor) {
        events.push({ type: 'gap', from: cursor + 1, to: frame.s > cursor ? frame.s : undefined });
      }
      return { position: next, events };
    }
    case 'ack':
      return { position, events: [{ type: 'ack', up: frame.up }] };
    default: {
      // An unknown frame without a number, or a duplicate: nothing new.
      if (frame.s === undefined || frame.s <= cursor) return { position, events: [] };
      return { position: { ...position, cursor: frame.s }, events: numberedEvents(frame, cursor) };
    }
  }
}

/** What a numbered frame (message, reply, gap, unknown) above the cursor means. */
function numberedEvents(frame: Exclude<Frame, { t: 'hello' | 'ack' }>, cursor: number): FrameEvent[] {
  switch (frame.t) {
    case 'gap':
      return [{ type: 'gap', from: Math.max(frame.from, cursor + 1), to: frame.s }];
    case 'message': {
      const { data, channel, meta } = frame;
      return [channel === undefined ? { type: 'message', data, meta } : { type: 'channel', data, meta: { channel, ...meta } }];
    }
    case 'ignored':
      return [];
    default:
      return [{ type: 'reply', reply: frame }];
  }
}

/** `resume=<token>&seq=<cursor>` once a token is known, for the URL that opens a connection. */
export function resumeQuery(position: StreamPosition): Record<string, string | number> {
  return position.token === undefined ? {} : { resume: position.token, seq: position.cursor };
}
