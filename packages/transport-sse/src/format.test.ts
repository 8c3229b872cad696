import { OutboundMessage, createId } from '@grappler/core';
import { cutPoints, splitAt } from '@grappler/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSse } from '../test/sse-parser';
import {
  SSE_FORMAT,
  SSE_PING,
  commentLine,
  encodeSseBinary,
  encodeSseText,
  paddingComment,
  parseLastEventId,
  retryField,
  sseIdLine,
} from './format';

/** Strings rich in line breaks and field names, beside arbitrary Unicode. */
const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.array(fc.constantFrom('\r', '\n', '\r\n', 'data:', 'id: 9', 'event: x', 'retry: 1', ':', ' ', 'a', 'é', '😀', '\0'), { maxLength: 20 }).map((parts) => parts.join('')),
);

const normalize = (value: string): string => value.replace(/\r\n|\r/g, '\n');

describe('encodeSseText', () => {
  it.each([
    ['hi', 'data: hi\n\n'],
    ['', 'data: \n\n'],
    ['a\nb', 'data: a\ndata: b\n\n'],
    ['a\r\nb', 'data: a\ndata: b\n\n'],
    ['a\rb', 'data: a\ndata: b\n\n'],
    ['\n', 'data: \ndata: \n\n'],
    ['a\n\nb', 'data: a\ndata: \ndata: b\n\n'],
    [' lead', 'data:  lead\n\n'],
    ['a\nevent: evil\ndata: x\r\nid: 9', 'data: a\ndata: event: evil\ndata: data: x\ndata: id: 9\n\n'],
  ])('encodes %j as %j', (input, block) => {
    expect(encodeSseText(input)).toBe(block);
  });

  it('gives back any string, line breaks normalized, as exactly one message event', () => {
    fc.assert(
      fc.property(text, (input) => {
        const block = encodeSseText(input);
        const parsed = parseSse(block);
        expect(parsed.events).toEqual([{ type: 'message', data: normalize(input), lastEventId: '' }]);
        expect(parsed.retries).toEqual([]);
        expect(parsed.lastEventId).toBe('');
      }),
    );
  });

  it('contains exactly one blank line, at its end, and no carriage return', () => {
    fc.assert(
      fc.property(text, (input) => {
        const block = encodeSseText(input);
        expect(block).not.toContain('\r');
        expect(block.startsWith('\n')).toBe(false);
        expect(block.indexOf('\n\n')).toBe(block.length - 2);
      }),
    );
  });

  it('keeps consecutive blocks apart: each message is its own event, in order, with its id', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 8 }), (messages) => {
        const stream = messages.map((message, index) => sseIdLine('s', index + 1) + encodeSseText(message)).join('');
        expect(parseSse(stream).events).toEqual(
          messages.map((message, index) => ({ type: 'message', data: normalize(message), lastEventId: `s.${index + 1}` })),
        );
      }),
    );
  });
});

describe('SSE_FORMAT', () => {
  it('is a frozen format named sse', () => {
    expect(Object.isFrozen(SSE_FORMAT)).toBe(true);
    expect(SSE_FORMAT.name).toBe('sse');
  });

  it('encodes text as the UTF-8 bytes of its block', () => {
    expect(SSE_FORMAT.encode(new OutboundMessage('héllo\nworld'))).toEqual(Buffer.from('data: héllo\ndata: world\n\n'));
  });

  it('encodes binary messages as a binary event with base64 data', () => {
    const frame = SSE_FORMAT.encode(new OutboundMessage(Uint8Array.from([0, 1, 2, 255])));
    expect(frame.toString()).toBe('event: binary\ndata: AAEC/w==\n\n');
    expect(SSE_FORMAT.encode(new OutboundMessage('aGk=', 'base64')).toString()).toBe('event: binary\ndata: aGk=\n\n');
  });

  it('round-trips any bytes through a binary event', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const [event, ...rest] = parseSse(encodeSseBinary(bytes)).events;
        expect(rest).toEqual([]);
        expect(event?.type).toBe('binary');
        expect(new Uint8Array(Buffer.from(event!.data, 'base64'))).toEqual(bytes);
      }),
    );
  });

  it('yields the same events for any chunking of the same bytes', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), (messages) => {
        const wire = Buffer.concat(
          messages.map((message, index) => Buffer.concat([Buffer.from(sseIdLine('s', index)), SSE_FORMAT.encode(new OutboundMessage(message))])),
        );
        const whole = parseSse(new TextDecoder().decode(wire)).events;
        fc.assert(
          fc.property(cutPoints(wire.length), (cuts) => {
            const decoder = new TextDecoder();
            const parser = parseSse('');
            for (const chunk of splitAt(wire, cuts)) parser.push(decoder.decode(chunk, { stream: true }));
            expect(parser.events).toEqual(whole);
          }),
          { numRuns: 20 },
        );
        expect(whole).toHaveLength(messages.length);
      }),
      { numRuns: 30 },
    );
  });
});

describe('sseIdLine and parseLastEventId', () => {
  it('writes the session and the seq', () => {
    expect(sseIdLine('s3ss10n', 7)).toBe('id: s3ss10n.7\n');
    expect(parseSse(`${sseIdLine('abc', 3)}data: x\n\n`).events[0]?.lastEventId).toBe('abc.3');
  });

  it('reads back every id it writes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/), fc.constant(createId())), fc.nat({ max: 999_999_999_999_999 }), (sessionId, seq) => {
        const value = sseIdLine(sessionId, seq).slice('id: '.length, -1);
        expect(parseLastEventId(value)).toEqual({ sessionId, seq });
      }),
    );
  });

  it.each([undefined, null, '', 'abc', 'abc.', '.5', 'a b.5', 'abc.5x', 'abc.-1', 'abc.1.2', 'abc.1e3', 'ab+c.1', 'ab/c.1', ' abc.1', 'abc.1 ', 'abc.1234567890123456', `${'a'.repeat(129)}.1`])(
    'refuses %j',
    (value) => {
      expect(parseLastEventId(value)).toBeUndefined();
    },
  );
});

describe('retryField, commentLine, paddingComment, SSE_PING', () => {
  it('writes a retry field an EventSource reads', () => {
    expect(retryField(2000)).toBe('retry: 2000\n');
    expect(parseSse(retryField(0)).retries).toEqual([0]);
    expect(() => retryField(-1)).toThrow(RangeError);
    expect(() => retryField(1.5)).toThrow(RangeError);
  });

  it('writes comments that cannot become fields', () => {
    expect(commentLine('hello')).toBe(': hello\n');
    expect(commentLine()).toBe(':\n');
    const parsed = parseSse(`${commentLine('a\ndata: evil\r\nid: 1\rx')}\n`);
    expect(parsed.events).toEqual([]);
    expect(parsed.lastEventId).toBe('');
    expect(parsed.comments).toEqual([' a data: evil id: 1 x']);
  });

  it('pads with exactly the bytes asked for, and nothing an EventSource sees', () => {
    fc.assert(
      fc.property(fc.nat({ max: 4096 }), (bytes) => {
        const padding = paddingComment(bytes);
        expect(Buffer.byteLength(padding)).toBe(bytes);
        const parsed = parseSse(`${padding}${retryField(5)}data: x\n\n`);
        expect(parsed.events).toEqual([{ type: 'message', data: 'x', lastEventId: '' }]);
        expect(parsed.retries).toEqual([5]);
      }),
    );
    expect(() => paddingComment(-1)).toThrow(RangeError);
  });

  it('pings with an empty comment that dispatches nothing and keeps the last id', () => {
    expect(SSE_PING).toBe(':\n\n');
    const parsed = parseSse(`id: s.1\ndata: x\n\n${SSE_PING}${SSE_PING}`);
    expect(parsed.events).toHaveLength(1);
    expect(parsed.comments).toEqual(['', '']);
    expect(parsed.lastEventId).toBe('s.1');
  });
});
