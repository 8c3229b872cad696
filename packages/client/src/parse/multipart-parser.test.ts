import { describe, expect, it } from 'vitest';
import { createMultipartParser, parseMultipartBoundary } from './multipart-parser';

const B = 'grappler-abc';
const wire = (parts: string[]): Uint8Array => new TextEncoder().encode(parts.join(''));
const WIRE = wire([
  `--${B}\r\nX-Grappler-Seq: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello`,
  `\r\n--${B}\r\nContent-Type: application/x-grappler-ping\r\n\r\n`,
  `\r\n--${B}\r\nX-Grappler-Seq: 2\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Length: 4\r\n\r\nAAH/`,
  `\r\n--${B}\r\nX-Grappler-Seq: 3\r\nContent-Type: text/plain\r\n\r\nno length, --${B} inside`,
  `\r\n--${B}--\r\n`,
]);
const summary = (parts: ReturnType<ReturnType<typeof createMultipartParser>['push']>) =>
  parts.map((p) => ({ seq: p.seq, ping: p.ping, body: [...p.body] }));
const EXPECTED = [
  { seq: 1, ping: false, body: [...new TextEncoder().encode('hello')] },
  { seq: undefined, ping: true, body: [] },
  { seq: 2, ping: false, body: [0, 1, 255] },
  { seq: 3, ping: false, body: [...new TextEncoder().encode(`no length, --${B} inside`)] },
];

describe('createMultipartParser', () => {
  it('parses sized, unsized, ping and base64 parts, and the closing delimiter', () => {
    const parser = createMultipartParser(B);
    expect(summary(parser.push(WIRE))).toEqual(EXPECTED);
    expect(parser.ended).toBe(true);
  });

  it('yields the same parts for any split of the bytes into two or three chunks', () => {
    for (let a = 0; a <= WIRE.length; a++) {
      for (let b = a; b <= WIRE.length; b += 11) {
        const parser = createMultipartParser(B);
        const parts = [WIRE.subarray(0, a), WIRE.subarray(a, b), WIRE.subarray(b)].flatMap((c) => parser.push(c));
        expect(summary(parts)).toEqual(EXPECTED);
      }
    }
  });

  it('hands a sized part out before the next delimiter arrives', () => {
    const parser = createMultipartParser(B);
    const first = WIRE.subarray(0, new TextDecoder().decode(WIRE).indexOf('hello') + 5); // no delimiter after it yet
    expect(summary(parser.push(first))).toEqual([EXPECTED[0]]);
  });

  it('fails past maxPartBytes', () => {
    const parser = createMultipartParser(B, 8192, 3);
    expect(parser.push(WIRE)).toEqual([]);
    expect(parser.error).toMatch(/maxPartBytes/);
  });

  it('reads quoted and bare boundaries', () => {
    expect(parseMultipartBoundary(`multipart/x-mixed-replace; boundary="${B}"`)).toBe(B);
    expect(parseMultipartBoundary(`multipart/x-mixed-replace;boundary=${B}`)).toBe(B);
    expect(parseMultipartBoundary('text/plain')).toBeUndefined();
  });
});
