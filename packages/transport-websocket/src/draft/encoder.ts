/**
 * Frames grappler sends to draft-75/76 clients. Pure, and computed once per broadcast: both
 * drafts frame text the same way, so one encoding serves every draft client.
 */

/** The draft-76 closing handshake, in either direction. */
export const DRAFT_CLOSE_FRAME: Buffer = Buffer.from([0xff, 0x00]);

/** `0x00 <UTF-8> 0xFF`. UTF-8 never contains the byte 0xFF, so no text can end a frame early. */
export function encodeDraftText(text: string | Uint8Array): Buffer {
  const length = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.byteLength;
  const frame = Buffer.allocUnsafe(length + 2);
  frame[0] = 0x00;
  if (typeof text === 'string') frame.write(text, 1, 'utf8');
  else frame.set(text, 1);
  frame[length + 1] = 0xff;
  return frame;
}

/**
 * A length-prefixed frame of type 0x80: the drafts define no binary messages, and tell clients
 * to read such a frame's length and discard it. Binary data sent to a draft client is therefore
 * dropped by the client itself, as the drafts specify, without breaking the stream.
 */
export function encodeDraftBinary(bytes: Uint8Array): Buffer {
  const digits: number[] = [];
  let length = bytes.byteLength;
  do {
    digits.unshift(length % 128);
    length = Math.floor(length / 128);
  } while (length > 0);
  const prefix = digits.map((digit, index) => (index < digits.length - 1 ? digit | 0x80 : digit));
  return Buffer.concat([Buffer.from([0x80, ...prefix]), bytes]);
}
