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
        const message = numbered(text, seq);
        expect(JSON.parse(encodeEnvelope(message))).toEqual({ s: seq, ts: message.time, d: text });
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

  it('stamps the id, channel and sender when there are some, and carries replies', () => {
    const message = new OutboundMessage('hi', undefined, { channel: 'room', sender: { name: 'ada' } });
    message.seq = 7;
    message.node = 'node';
    expect(JSON.parse(encodeEnvelope(message))).toEqual({ s: 7, id: 'node.7', ts: message.time, c: 'room', from: { name: 'ada' }, d: 'hi' });
    const reply = new OutboundMessage('', undefined, { reply: { t: 'error', code: 'ERR_FORBIDDEN', message: 'no', c: 'room', ref: 3 } });
    reply.seq = 8;
    expect(JSON.parse(encodeEnvelope(reply))).toEqual({ s: 8, t: 'error', code: 'ERR_FORBIDDEN', message: 'no', c: 'room', ref: 3 });
  });

  it('refuses a message the hub never numbered', () => {
    expect(() => encodeEnvelope(new OutboundMessage('x'))).toThrow(TypeError);
  });

  it('reads upstream envelopes and nothing else', () => {
    expect(parseUpstreamEnvelope('{"u":1,"d":"hi"}')).toEqual({ u: 1, item: 'hi' });
    expect(parseUpstreamEnvelope('{"u":2,"t":"join","c":"room"}')).toEqual({ u: 2, item: { t: 'join', c: 'room' } });
    expect(parseUpstreamEnvelope('{"u":3,"t":"leave","c":"room"}')).toEqual({ u: 3, item: { t: 'leave', c: 'room' } });
    expect(parseUpstreamEnvelope('{"u":4,"t":"publish","c":"room","d":"hi"}')).toEqual({ u: 4, item: { t: 'publish', c: 'room', d: 'hi' } });
    const bad = ['hi', '', 'null', '[]', '{"u":0,"d":"x"}', '{"u":1.5,"d":"x"}', '{"u":"1","d":"x"}', '{"u":1}', '{"u":1,"d":2}', '{"u":1e300,"d":"x"}'];
    bad.push('{"u":1,"t":"join"}', '{"u":1,"t":"publish","c":"room"}', '{"u":1,"t":"shout","c":"room"}', '{"u":1,"c":"room","d":"x"}');
    for (const text of bad) expect(parseUpstreamEnvelope(text)).toBeUndefined();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.string({ unit: 'binary' }), (u, d) => {
        expect(parseUpstreamEnvelope(JSON.stringify({ u, d }))).toEqual({ u, item: d });
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
    const message = numbered('hi', 3);
    expect(framedFormat(raw).encode(message)).toBe(`<{"s":3,"ts":${message.time},"d":"hi"}>`);
    expect(framedFormat(raw).encodeControl({ t: 'gap', s: 9, from: 4 })).toBe('<{"t":"gap","s":9,"from":4}>');
  });
});
