import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutboundMessage } from './message';

describe('OutboundMessage', () => {
  it('treats strings as text and anything else as bytes, as the seed write(data, encoding) did', () => {
    expect(new OutboundMessage('hi')).toMatchObject({ text: 'hi', binary: false });
    expect(new OutboundMessage('hi', 'utf8')).toMatchObject({ text: 'hi', binary: false });
    expect(new OutboundMessage('hi', 'utf-8')).toMatchObject({ text: 'hi', binary: false });
    const fromBase64 = new OutboundMessage('aGk=', 'base64');
    expect(fromBase64).toMatchObject({ text: undefined, binary: true });
    expect(fromBase64.bytes.toString()).toBe('hi');
    const view = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    expect([...new OutboundMessage(view).bytes]).toEqual([2, 3]);
  });

  it('computes the UTF-8 bytes of a text once', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const message = new OutboundMessage(text);
        expect(message.bytes.toString('utf8')).toBe(text);
        expect(message.bytes).toBe(message.bytes);
      }),
    );
  });
});
