import { OutboundMessage } from '@grappler/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LONGPOLL_FORMAT, type LongpollBatch, renderBatch } from './format';

const encode = (data: string | Uint8Array): Buffer => LONGPOLL_FORMAT.encode(new OutboundMessage(data));
const parse = (body: Buffer): LongpollBatch => JSON.parse(body.toString('utf8')) as LongpollBatch;

/** Any UTF-16 code unit, lone surrogates included: what a JS string can hold. */
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)) });
const anyMessage = fc.oneof(anyString, fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 64 }));

describe('LONGPOLL_FORMAT', () => {
  it.each([
    ['hi', '"hi"'],
    ['', '""'],
    ['a"b\\c\nd\te', '"a\\"b\\\\c\\nd\\te"'],
    ['\u0000\u001f', '"\\u0000\\u001f"'],
    ['\u2028\u2029', '"\u2028\u2029"'],
    ['\ud800', '"\\ud800"'],
    ['x\udc00y', '"x\\udc00y"'],
    ['é😀', '"é😀"'],
  ])('encodes the text %j as the JSON string %s in UTF-8', (text, json) => {
    expect(encode(text)).toEqual(Buffer.from(json, 'utf8'));
  });

  it('encodes bytes as {"base64": ...}', () => {
    expect(encode(Uint8Array.from([0, 1, 255])).toString()).toBe('{"base64":"AAH/"}');
    expect(encode(new Uint8Array(0)).toString()).toBe('{"base64":""}');
    expect(LONGPOLL_FORMAT.encode(new OutboundMessage('aGk=', 'base64')).toString()).toBe('{"base64":"aGk="}');
  });

  it('is one frozen format', () => {
    expect(Object.isFrozen(LONGPOLL_FORMAT)).toBe(true);
    expect(LONGPOLL_FORMAT.name).toBe('longpoll-json');
  });
});

describe('renderBatch', () => {
  it('renders an empty batch', () => {
    expect(renderBatch('abc', 0, []).toString()).toBe('{"session":"abc","seq":0,"messages":[]}');
  });

  it('joins frames with commas inside the envelope', () => {
    const frames = [encode('one'), encode(Uint8Array.from([104, 105])), encode('th"ree')];
    expect(renderBatch('s-1_x', 7, frames).toString()).toBe(
      '{"session":"s-1_x","seq":7,"messages":["one",{"base64":"aGk="},"th\\"ree"]}',
    );
  });

  it('copies the shared frames as they are', () => {
    const frame = encode('shared');
    const body = renderBatch('id', 1, [frame, frame]);
    const at = body.indexOf(frame);
    expect(at).toBeGreaterThan(0);
    expect(body.subarray(at, at + frame.length)).toEqual(frame);
    expect(body.lastIndexOf(frame)).toBe(at + frame.length + 1);
  });

  it('escapes the session id', () => {
    expect(parse(renderBatch('a"b\\', 0, [])).session).toBe('a"b\\');
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('refuses the seq %s', (seq) => {
    expect(() => renderBatch('id', seq, [])).toThrow(TypeError);
  });

  it('gives back exactly the messages, for any strings and any bytes', () => {
    fc.assert(
      fc.property(anyString, fc.nat(), fc.array(anyMessage, { maxLength: 12 }), (session, seq, messages) => {
        const batch = parse(renderBatch(session, seq, messages.map(encode)));
        expect(batch.session).toBe(session);
        expect(batch.seq).toBe(seq);
        expect(batch.messages).toHaveLength(messages.length);
        for (const [index, message] of messages.entries()) {
          const got = batch.messages[index];
          if (typeof message === 'string') expect(got).toBe(message);
          else expect(got).toEqual({ base64: Buffer.from(message).toString('base64') });
        }
      }),
    );
  });
});
