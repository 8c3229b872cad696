/**
 * RFC 6455 section 5.2 framing for the server side: frames a server sends are never masked.
 * Pure: the hub calls this once per broadcast and writes the same bytes to every socket.
 */

/** The opcodes grappler sends as data frames. */
export const OPCODE: Readonly<{ TEXT: 0x1; BINARY: 0x2 }> = Object.freeze({ TEXT: 0x1, BINARY: 0x2 });

/** Encodes one unfragmented, unmasked frame (FIN set) as a single buffer: header and payload together. */
export function encodeFrame(opcode: number, payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 0x10000) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    // 53 bits are plenty: a JavaScript buffer cannot be longer.
    frame.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(payload, headerLength);
  return frame;
}
