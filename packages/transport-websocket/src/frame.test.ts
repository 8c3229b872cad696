import fc from 'fast-check';
import * as ws from 'ws';

// ws exports its frame parser as Receiver; @types/ws does not describe it.
type ReceiverOptions = { isServer: boolean; maxPayload: number; skipUTF8Validation: boolean };
const { Receiver } = ws as unknown as { Receiver: new (options: ReceiverOptions) => import('node:stream').Writable };
import { describe, expect, it } from 'vitest';
import { OPCODE, encodeFrame } from './frame';

/** Parses frames with ws's own Receiver (as a client would), collecting messages. */
function parse(bytes: Buffer): { data: Buffer; binary: boolean }[] {
  const out: { data: Buffer; binary: boolean }[] = [];
  const receiver = new Receiver({ isServer: false, maxPayload: 0, skipUTF8Validation: true });
  receiver.on('message', (data: Buffer, binary: boolean) => out.push({ data: Buffer.from(data), binary }));
  receiver.write(bytes);
  return out;
}

describe('encodeFrame', () => {
  it('matches the unmasked examples of RFC 6455 section 5.7', () => {
    expect(encodeFrame(OPCODE.TEXT, Buffer.from('Hello'))).toEqual(Buffer.from('810548656c6c6f', 'hex'));
    const twoFiftySix = encodeFrame(OPCODE.BINARY, Buffer.alloc(256, 7));
    expect(twoFiftySix.subarray(0, 4)).toEqual(Buffer.from('827e0100', 'hex'));
    const sixtyFourKiB = encodeFrame(OPCODE.BINARY, Buffer.alloc(65536, 7));
    expect(sixtyFourKiB.subarray(0, 10)).toEqual(Buffer.from('827f0000000000010000', 'hex'));
    expect(sixtyFourKiB).toHaveLength(65546);
  });

  it('uses the shortest length form at each boundary', () => {
    expect(encodeFrame(OPCODE.TEXT, Buffer.alloc(125))[1]).toBe(125);
    expect(encodeFrame(OPCODE.TEXT, Buffer.alloc(126))[1]).toBe(126);
    expect(encodeFrame(OPCODE.TEXT, Buffer.alloc(65535))[1]).toBe(126);
    expect(encodeFrame(OPCODE.TEXT, Buffer.alloc(65536))[1]).toBe(127);
  });

  it('round-trips any payload through a real RFC 6455 parser', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.boolean(), (payload, binary) => {
        const frame = encodeFrame(binary ? OPCODE.BINARY : OPCODE.TEXT, payload);
        const [message, ...rest] = parse(frame);
        expect(rest).toEqual([]);
        expect(message?.binary).toBe(binary);
        expect(message?.data.equals(Buffer.from(payload))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('round-trips any text, frames back to back', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 8 }), (texts) => {
        const wire = Buffer.concat(texts.map((text) => encodeFrame(OPCODE.TEXT, Buffer.from(text))));
        expect(parse(wire).map((m) => m.data.toString('utf8'))).toEqual(texts);
      }),
    );
  });
});
