import { cutPoints, hex, splitAt } from '@grappler/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DraftEvent, createDraftDecoder } from './decoder';
import { DRAFT_CLOSE_FRAME, encodeDraftBinary, encodeDraftText } from './encoder';

type Version = 'draft75' | 'draft76';
const decode = (version: Version, chunks: Uint8Array[], maxMessageBytes = 64): DraftEvent[] => {
  const decoder = createDraftDecoder({ version, maxMessageBytes });
  return chunks.flatMap((chunk) => decoder.push(chunk));
};

/** What both drafts share: written once, run by both suites. */
function describeDraftFraming(version: Version): void {
  describe(`${version} framing`, () => {
    it('reads 0x00 <UTF-8> 0xFF text frames, back to back', () => {
      expect(decode(version, [hex('00 68 69 ff 00 79 6f ff 00 ff')])).toEqual([
        { type: 'message', text: 'hi' },
        { type: 'message', text: 'yo' },
        { type: 'message', text: '' },
      ]);
    });

    it('yields the same events for any chunking of the same bytes', () => {
      const wire = Buffer.concat([encodeDraftText('héllo'), encodeDraftBinary(Buffer.alloc(130, 1)), encodeDraftText('✓ done')]);
      fc.assert(
        fc.property(cutPoints(wire.length), (cuts) => {
          expect(decode(version, splitAt(wire, cuts), 1024)).toEqual(decode(version, [wire], 1024));
        }),
      );
    });

    it('round-trips any text through the encoder', () => {
      fc.assert(
        fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 6 }), (texts) => {
          const wire = Buffer.concat(texts.map((text) => encodeDraftText(text)));
          expect(decode(version, [wire], 1 << 20)).toEqual(texts.map((text) => ({ type: 'message', text })));
        }),
      );
    });

    it('skips length-prefixed frames, as the drafts tell servers to', () => {
      expect(decode(version, [hex('80 03 61 62 63 00 6f 6b ff')])).toEqual([{ type: 'message', text: 'ok' }]);
      expect(decode(version, [hex('81 81 00'), Buffer.alloc(128, 7), hex('00 61 ff')], 200)).toEqual([
        { type: 'message', text: 'a' },
      ]);
    });

    it('reports invalid UTF-8 and then nothing more', () => {
      const events = decode(version, [hex('00 c3 28 ff 00 61 ff')]);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'error', error: { code: 'ERR_PROTOCOL' } });
    });

    it('reports an over-long message instead of closing silently', () => {
      const [event] = decode(version, [hex('00 68 65 6c 6c 6f ff')], 4);
      expect(event).toMatchObject({ type: 'error', error: { code: 'ERR_MESSAGE_TOO_LARGE', limit: 'maxMessageBytes', max: 4 } });
    });

    it('reports an unterminated frame as soon as it passes the limit, without waiting for 0xFF', () => {
      const decoder = createDraftDecoder({ version, maxMessageBytes: 8 });
      expect(decoder.push(hex('00 61 62 63 64'))).toEqual([]);
      expect(decoder.push(hex('65 66 67 68 69'))[0]).toMatchObject({ type: 'error', error: { code: 'ERR_MESSAGE_TOO_LARGE' } });
      expect(decoder.push(hex('ff 00 61 ff'))).toEqual([]);
    });

    it('reports a length-prefixed frame over the limit and a runaway length', () => {
      expect(decode(version, [hex('80 81 00')], 64)[0]).toMatchObject({ type: 'error', error: { limit: 'maxMessageBytes', actual: 128 } });
      expect(decode(version, [hex('80 ff ff ff ff ff ff ff ff')], 64)[0]).toMatchObject({ type: 'error' });
    });

    it('reports garbage frame types', () => {
      expect(decode(version, [hex('05 61 ff')])[0]).toMatchObject({ type: 'error', error: { code: 'ERR_PROTOCOL' } });
      expect(decode(version, [Buffer.from('GET / HTTP/1.1\r\n')])[0]).toMatchObject({ type: 'error' });
    });
  });
}

describeDraftFraming('draft75');
describeDraftFraming('draft76');

describe('closing', () => {
  it('draft-76 reads 0xFF 0x00 as the closing handshake and ignores what follows', () => {
    expect(decode('draft76', [hex('00 61 ff ff 00 00 62 ff')])).toEqual([{ type: 'message', text: 'a' }, { type: 'close' }]);
    expect(DRAFT_CLOSE_FRAME).toEqual(Buffer.from(hex('ff 00')));
  });

  it('draft-75 has no closing handshake: 0xFF 0x00 is an empty length-prefixed frame', () => {
    expect(decode('draft75', [hex('ff 00 00 61 ff')])).toEqual([{ type: 'message', text: 'a' }]);
  });
});

describe('encoder', () => {
  it('frames binary data with a base-128 length that clients skip', () => {
    expect(encodeDraftBinary(hex('01 02'))).toEqual(Buffer.from(hex('80 02 01 02')));
    expect(encodeDraftBinary(Buffer.alloc(0))).toEqual(Buffer.from(hex('80 00')));
    expect(encodeDraftBinary(Buffer.alloc(300)).subarray(0, 3)).toEqual(Buffer.from(hex('80 82 2c')));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), (bytes) => {
        expect(decode('draft76', [encodeDraftBinary(bytes), encodeDraftText('after')], 1 << 20)).toEqual([
          { type: 'message', text: 'after' },
        ]);
      }),
      { numRuns: 40 },
    );
  });
});
