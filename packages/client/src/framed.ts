/**
 * Framed mode (docs/framed-mode.md), the client's reading side: one JSON text per server frame in,
 * what it means for the client out. Pure: no link, no timer, no emitter.
 *
 *   text --parseFrame--> Frame, or ClientError ERR_PROTOCOL when it is not a v1 frame
 *   position + text --readFrame--> the next position + events: hello (then a gap when a new client
 *   replaced an old one), message, gap, ack. A message or gap at or below the cursor is a duplicate
 *   (a resent response): no event, the position unchanged.
 */
import { decodeBase64 } from './base64';
import { ClientError } from './errors';

/** The WebSocket subprotocol that selects framed mode. */
export const SUBPROTOCOL = 'grappler.v1';

/** One server frame, checked. */
export type Frame =
  | { readonly t: 'message'; readonly s: number; readonly data: string | Uint8Array }
  | { readonly t: 'hello'; readonly s: number; readonly id: string; readonly token: string; readonly resumed: boolean; readonly up: number }
  | { readonly t: 'gap'; readonly s: number; readonly from: number }
  | { readonly t: 'ack'; readonly up: number };

/** Where the client is in the server's stream; kept by the client across links of every transport. */
export interface StreamPosition {
  /** The highest `s` seen (messages, gaps, the hello of a new client); 0 before any. */
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
  | { readonly type: 'message'; readonly data: string | Uint8Array }
  | ({ readonly type: 'gap' } & Gap)
  | { readonly type: 'ack'; readonly up: number };

/** The position before the first hello. */
export const START: StreamPosition = Object.freeze({ cursor: 0, token: undefined, id: undefined });

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isSeq = (value: unknown): value is number => isCount(value) && value > 0;
const malformed = (why: string): ClientError => new ClientError('ERR_PROTOCOL', `a malformed frame: ${why}`);

/** Checks one frame's fields; a ClientError ERR_PROTOCOL says what is wrong. Never throws. */
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
    case 'hello':
      return isCount(f.s) && typeof f.id === 'string' && typeof f.token === 'string' && f.token !== '' && typeof f.resumed === 'boolean' && isCount(f.up)
        ? { t: 'hello', s: f.s, id: f.id, token: f.token, resumed: f.resumed, up: f.up }
        : malformed('a hello needs s, id, token, resumed and up');
    case 'gap':
      return isSeq(f.s) && isSeq(f.from) && f.from <= f.s ? { t: 'gap', s: f.s, from: f.from } : malformed('a gap needs s >= from >= 1');
    case 'ack':
      return isCount(f.up) ? { t: 'ack', up: f.up } : malformed('an ack needs up');
    default:
      return malformed(`unknown type ${JSON.stringify(f.t)}`);
  }
}

function parseMessage(f: Record<string, unknown>): Frame | ClientError {
  if (!isSeq(f.s)) return malformed('a message needs s >= 1');
  if (typeof f.d === 'string' && f.b === undefined) return { t: 'message', s: f.s, data: f.d };
  if (typeof f.b !== 'string' || f.d !== undefined) return malformed('a message needs d (text) or b (base64)');
  try {
    return { t: 'message', s: f.s, data: decodeBase64(f.b) };
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
      if (frame.s <= cursor) return { position, events: [] }; // a duplicate
      const event: FrameEvent = frame.t === 'gap' ? { type: 'gap', from: Math.max(frame.from, cursor + 1), to: frame.s } : { type: 'message', data: frame.data };
      return { position: { ...position, cursor: frame.s }, events: [event] };
    }
  }
}

/** `resume=<token>&seq=<cursor>` once a token is known, for the URL that opens a connection. */
export function resumeQuery(position: StreamPosition): Record<string, string | number> {
  return position.token === undefined ? {} : { resume: position.token, seq: position.cursor };
}
