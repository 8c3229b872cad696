import type { OutboundMessage, WireFormat } from '@grappler/core';
import { OPCODE, encodeFrame } from './frame';

/** RFC 6455 without compression: a message is framed once and the bytes shared by every socket. */
export const RFC6455_FORMAT: WireFormat<Buffer> = Object.freeze({
  name: 'rfc6455',
  encode: (message: OutboundMessage): Buffer => encodeFrame(message.binary ? OPCODE.BINARY : OPCODE.TEXT, message.bytes),
});

/**
 * RFC 6455 with permessage-deflate: each socket has its own compression context, so the
 * frame cannot be shared; `ws` compresses the shared payload per socket.
 */
export const RFC6455_DEFLATE_FORMAT: WireFormat<OutboundMessage> = Object.freeze({
  name: 'rfc6455+deflate',
  encode: (message: OutboundMessage): OutboundMessage => message,
});
