import { describe, expect, it } from 'vitest';
import { createSseParser } from './sse-parser';

const WIRE = 'retry: 2000\r\nid: s.0\r\n\r\n: ping\nid: s.1\ndata: one\ndata: two\n\nid: s.2\revent: binary\rdata: AAE=\r\r';
const EXPECTED = [
  { type: 'message', data: 'one\ntwo', id: 's.1' },
  { type: 'binary', data: 'AAE=', id: 's.2' },
];

describe('createSseParser', () => {
  it('parses events, multi-line data, event types and ids with CRLF, LF and CR line ends', () => {
    const parser = createSseParser();
    expect(parser.push(WIRE)).toEqual(EXPECTED);
    expect(parser.lastEventId).toBe('s.2');
  });

  it('yields the same events for any split of the text into two or three chunks', () => {
    for (let a = 0; a <= WIRE.length; a++) {
      for (let b = a; b <= WIRE.length; b += 7) {
        const parser = createSseParser();
        const events = [WIRE.slice(0, a), WIRE.slice(a, b), WIRE.slice(b)].flatMap((chunk) => parser.push(chunk));
        expect(events).toEqual(EXPECTED);
      }
    }
  });

  it('commits an id-only event to lastEventId without dispatching it', () => {
    const parser = createSseParser();
    expect(parser.push('id: abc.0\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('abc.0');
  });

  it('stops with an error past maxEventChars', () => {
    const parser = createSseParser(8);
    expect(parser.push('data: 0123456789\n\n')).toEqual([]);
    expect(parser.error).toMatch(/maxEventChars/);
  });
});
