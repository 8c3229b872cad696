/**
 * Framed mode (docs/framed-mode.md): the JSON envelopes `@grappler/client` speaks, and the
 * wrapper that turns any raw wire format into its framed twin. Pure: no I/O.
 *
 *   message #12 "hi"  -> {"s":12,"d":"hi"}     bytes -> {"s":12,"b":"<base64>"}
 *   control           -> {"t":"hello",...}  {"t":"gap",...}  {"t":"ack",...}
 *   upstream (WS)     <- {"u":7,"d":"text"}
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

/** A raw format able to carry framed mode; `encodeControl` is what marks it framed. */
export interface FramedWireFormat<Frame = unknown> extends WireFormat<Frame> {
  encodeControl(control: ControlFrame): Frame;
}

/** The envelope of a numbered message. */
export function encodeEnvelope(message: OutboundMessage): string {
  if (message.seq === undefined) throw new TypeError('a framed message needs a sequence number');
  return message.binary
    ? `{"s":${message.seq},"b":"${message.bytes.toString('base64')}"}`
    : `{"s":${message.seq},"d":${JSON.stringify(message.text)}}`;
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

/** A message a framed client sent over a WebSocket: its upstream number and text. */
export interface UpstreamEnvelope {
  readonly u: number;
  readonly d: string;
}

/** Reads `{"u":n,"d":"text"}`; undefined for anything else. */
export function parseUpstreamEnvelope(text: string): UpstreamEnvelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const envelope = value as Partial<UpstreamEnvelope> | null;
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  if (!Number.isSafeInteger(envelope.u) || (envelope.u as number) < 1 || typeof envelope.d !== 'string') return undefined;
  return { u: envelope.u as number, d: envelope.d };
}
