/**
 * Framed mode (docs/framed-mode.md): the JSON envelopes `@grappler/client` speaks, and the
 * wrapper that turns any raw wire format into its framed twin. Pure: no I/O.
 *
 *   message #12 "hi"  -> {"s":12,"id":"<node>.12","ts":<ms>,"d":"hi"}   bytes: "b":"<base64>"
 *                        (+ "c":"<channel>" when published, "from":<sender> when sent along)
 *   control           -> {"t":"hello",...}  {"t":"gap",...}  {"t":"ack",...}
 *   replies (numbered) -> {"s":13,"t":"joined","c":"room"}  {"s":14,"t":"error","code":...,"ref":7}
 *   upstream (WS)     <- {"u":7,"d":"text"}  {"u":8,"t":"join","c":"room"}  {"u":9,"t":"publish","c":"room","d":"hi"}
 *
 * The envelope is text, so a framed format is the raw format carrying the envelope as a text
 * message: one wrapper serves every transport, and a message is still encoded once per format.
 */
import { OutboundMessage } from './message';
import type { WireFormat } from './transport';

/** The WebSocket subprotocol that asks for framed mode. */
export const FRAMED_PROTOCOL = 'grappler.v1';

/** A frame of framed mode that is not a message. */
export type ControlFrame =
  | {
      readonly t: 'hello';
      /** The cursor the client holds after this frame. */
      readonly s: number;
      readonly id: string;
      readonly token: string;
      readonly resumed: boolean;
      /** The last upstream number delivered. */
      readonly up: number;
    }
  | { readonly t: 'gap'; readonly s: number; readonly from: number }
  | { readonly t: 'ack'; readonly up: number };

/**
 * A reply to one framed client's command, numbered and logged like a message (so it survives a
 * reconnect): `ref` is the upstream number of the command it answers.
 */
export type ReplyFrame =
  | { readonly t: 'joined'; readonly c: string; readonly ref?: number }
  | { readonly t: 'left'; readonly c: string; readonly ref?: number }
  | { readonly t: 'published'; readonly c: string; readonly ref: number }
  | { readonly t: 'error'; readonly code: string; readonly message: string; readonly c?: string; readonly ref?: number };

/** A raw format able to carry framed mode; `encodeControl` is what marks it framed. */
export interface FramedWireFormat<Frame = unknown> extends WireFormat<Frame> {
  encodeControl(control: ControlFrame): Frame;
}

/** The envelope of a numbered message (or reply). */
export function encodeEnvelope(message: OutboundMessage): string {
  if (message.seq === undefined) throw new TypeError('a framed message needs a sequence number');
  if (message.reply) return JSON.stringify({ s: message.seq, ...message.reply });
  let head = `{"s":${message.seq}`;
  if (message.id !== undefined) head += `,"id":${JSON.stringify(message.id)}`;
  head += `,"ts":${message.time}`;
  if (message.channel !== undefined) head += `,"c":${JSON.stringify(message.channel)}`;
  if (message.sender !== undefined) head += `,"from":${JSON.stringify(message.sender)}`;
  return message.binary ? `${head},"b":"${message.bytes.toString('base64')}"}` : `${head},"d":${JSON.stringify(message.text)}}`;
}

const FRAMED = new WeakMap<WireFormat, FramedWireFormat>();

/**
 * The framed twin of `raw`, made once per raw format: the hub groups recipients by format
 * identity, so every framed connection of one kind must share one object.
 */
export function framedFormat<Frame>(raw: WireFormat<Frame>): FramedWireFormat<Frame> {
  let framed = FRAMED.get(raw) as FramedWireFormat<Frame> | undefined;
  if (!framed) {
    framed = Object.freeze({
      name: `${raw.name}+framed`,
      encode: (message: OutboundMessage) => raw.encode(new OutboundMessage(encodeEnvelope(message))),
      encodeControl: (control: ControlFrame) => raw.encode(new OutboundMessage(JSON.stringify(control))),
    });
    FRAMED.set(raw, framed as FramedWireFormat);
  }
  return framed;
}

/** True for a format made by {@link framedFormat}. */
export function isFramed<Frame>(format: WireFormat<Frame>): format is FramedWireFormat<Frame> {
  return typeof (format as Partial<FramedWireFormat<Frame>>).encodeControl === 'function';
}

/** What a framed client sends: a message, or a channel command. */
export type UpstreamItem =
  | string
  | { readonly t: 'join'; readonly c: string }
  | { readonly t: 'leave'; readonly c: string }
  | { readonly t: 'publish'; readonly c: string; readonly d: string };

/** An upstream item with its number, as a framed WebSocket client sends it. */
export interface UpstreamEnvelope {
  readonly u: number;
  readonly item: UpstreamItem;
}

/**
 * Reads one upstream item: a string, `{"t":"join"|"leave","c":"room"}` or
 * `{"t":"publish","c":"room","d":"text"}` (a WebSocket envelope may put the message in `d`).
 * Undefined for anything else.
 */
export function parseUpstreamItem(value: unknown): UpstreamItem | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const { t, c, d } = value as { t?: unknown; c?: unknown; d?: unknown };
  if (t === undefined) return typeof d === 'string' && c === undefined ? d : undefined;
  if (typeof c !== 'string') return undefined;
  if (t === 'join' || t === 'leave') return { t, c };
  if (t === 'publish' && typeof d === 'string') return { t, c, d };
  return undefined;
}

/** Reads a framed WebSocket client's `{"u":n, ...item}`; undefined for anything else. */
export function parseUpstreamEnvelope(text: string): UpstreamEnvelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const u = (value as { u?: unknown }).u;
  if (typeof u !== 'number' || !Number.isSafeInteger(u) || u < 1) return undefined;
  const item = parseUpstreamItem(value);
  return item === undefined ? undefined : { u, item };
}
