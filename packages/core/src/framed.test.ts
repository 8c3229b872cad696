import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEnvelope, framedFormat, isFramed, parseUpstreamEnvelope } from './framed';
import { OutboundMessage } from './message';
import type { WireFormat } from './transport';

const numbered = (data: string | Uint8Array, seq: number): OutboundMessage => {
  const message = new OutboundMessage(data);
  message.seq = seq;
  return message;
};

describe('framed envelopes', () => {
  it('carries any text and its number through JSON (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(), (text, seq) => {
        expect(JSON.parse(encodeEnvelope(numbered(text, seq)))).toEqual({ s: seq, d: text });
      }),
    );
  });

  it('carries bytes as base64 (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.nat(), (bytes, seq) => {
        const { s, b } = JSON.parse(encodeEnvelope(numbered(bytes, seq))) as { s: number; b: string };
        expect(s).toBe(seq);
        expect([...Buffer.from(b, 'base64')]).toEqual([...bytes]);
      }),
    );
  });

  it('refuses a message the hub never numbered', () => {
    expect(() => encodeEnvelope(new OutboundMessage('x'))).toThrow(TypeError);
  });

  it('reads upstream envelopes and nothing else', () => {
    expect(parseUpstreamEnvelope('{"u":1,"d":"hi"}')).toEqual({ u: 1, d: 'hi' });
    for (const bad of ['hi', '', 'null', '[]', '{"u":0,"d":"x"}', '{"u":1.5,"d":"x"}', '{"u":"1","d":"x"}', '{"u":1}', '{"u":1,"d":2}', '{"u":1e300,"d":"x"}']) {
      expect(parseUpstreamEnvelope(bad)).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.string({ unit: 'binary' }), (u, d) => {
        expect(parseUpstreamEnvelope(JSON.stringify({ u, d }))).toEqual({ u, d });
      }),
    );
    fc.assert(fc.property(fc.string(), (text) => void parseUpstreamEnvelope(text))); // never throws
  });
});

describe('framedFormat', () => {
  const raw: WireFormat<string> = { name: 'raw', encode: (message) => `<${message.text ?? message.bytes.toString('hex')}>` };

  it('is one object per raw format, so recipients of a kind share one encoding', () => {
    expect(framedFormat(raw)).toBe(framedFormat(raw));
    expect(framedFormat(raw).name).toBe('raw+framed');
    expect(isFramed(framedFormat(raw))).toBe(true);
    expect(isFramed(raw)).toBe(false);
  });

  it('wraps the envelope and control frames in the raw format as text', () => {
    expect(framedFormat(raw).encode(numbered('hi', 3))).toBe('<{"s":3,"d":"hi"}>');
    expect(framedFormat(raw).encodeControl({ t: 'gap', s: 9, from: 4 })).toBe('<{"t":"gap","s":9,"from":4}>');
  });
});
