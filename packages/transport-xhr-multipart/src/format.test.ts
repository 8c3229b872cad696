import { OutboundMessage } from '@grappler/core';
import { cutPoints, splitAt } from '@grappler/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MULTIPART_FORMAT,
  closingDelimiter,
  createBoundary,
  multipartContentType,
  needsBase64,
  parseMultipartBoundary,
  partHead,
  pingPart,
} from './format';
import { type MultipartPart, parseMultipartStream } from './parse-stream';

const B = 'grappler-AAAAAAAAAAAAAAAAAAAAAAAA';
const encode = (data: string | Uint8Array): string => MULTIPART_FORMAT.encode(new OutboundMessage(data)).toString('latin1');

/** A part tail without its Content-Length line: what a reader that finds parts by delimiters alone relies on. */
function withoutLength(tail: Buffer): Buffer {
  const blank = tail.indexOf('\r\n\r\n');
  const head = tail.subarray(0, blank + 2).toString('latin1').replace(/Content-Length: \d+\r\n/, '');
  return Buffer.concat([Buffer.from(head, 'latin1'), tail.subarray(blank + 2)]);
}

/** A response body as the transport writes it: seq'd parts, pings between some, the closing delimiter. */
function streamOf(boundary: string, messages: readonly (string | Uint8Array)[], pingEvery = 3, lengths = true): Buffer {
  const chunks: Buffer[] = [];
  messages.forEach((data, i) => {
    if (i % pingEvery === 0) chunks.push(pingPart(boundary));
    const tail = MULTIPART_FORMAT.encode(new OutboundMessage(data));
    chunks.push(partHead(boundary, i + 1), lengths ? tail : withoutLength(tail));
  });
  chunks.push(closingDelimiter(boundary));
  return Buffer.concat(chunks);
}

const sameBytes = (part: MultipartPart, data: string | Uint8Array): boolean =>
  part.body.equals(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));

describe('MULTIPART_FORMAT', () => {
  it('is a frozen singleton named multipart', () => {
    expect(Object.isFrozen(MULTIPART_FORMAT)).toBe(true);
    expect(MULTIPART_FORMAT.name).toBe('multipart');
  });

  it('sends text raw with a text/plain part header and the length of the body', () => {
    expect(encode('hello')).toBe('Content-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello\r\n');
    expect(encode('')).toBe('Content-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\n\r\n\r\n');
    expect(encode('héllo ☃').startsWith('Content-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\n\r\n')).toBe(true);
    expect(MULTIPART_FORMAT.encode(new OutboundMessage('héllo ☃')).subarray(-12, -2).toString('utf8')).toBe('héllo ☃');
  });

  it('sends text raw when it only resembles a delimiter', () => {
    for (const text of ['--grappler', '-grappler-x', '--GRAPPLER-x', '\r\n--\r\n', '--grapple-r-', 'a--b--']) {
      expect(encode(text)).toBe(`Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${text.length}\r\n\r\n${text}\r\n`);
    }
  });

  it('base64-encodes text containing --grappler- anywhere, and gives the encoded length', () => {
    const head = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n';
    expect(encode('--grappler-')).toBe(`${head}Content-Length: 16\r\n\r\nLS1ncmFwcGxlci0=\r\n`);
    const injection = Buffer.from('a\r\n--grappler-xyz--\r\nb').toString('base64');
    expect(encode('a\r\n--grappler-xyz--\r\nb')).toBe(`${head}Content-Length: ${injection.length}\r\n\r\n${injection}\r\n`);
    const own = Buffer.from(`x--${B}`).toString('base64');
    expect(encode(`x--${B}`)).toBe(`${head}Content-Length: ${own.length}\r\n\r\n${own}\r\n`);
  });

  it('always base64-encodes binary messages as application/octet-stream', () => {
    const head = 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n';
    expect(encode(Uint8Array.of(0, 1, 2))).toBe(`${head}Content-Length: 4\r\n\r\nAAEC\r\n`);
    expect(encode(new Uint8Array(0))).toBe(`${head}Content-Length: 0\r\n\r\n\r\n`);
    expect(encode(Buffer.from('plain ascii'))).toBe(`${head}Content-Length: 16\r\n\r\ncGxhaW4gYXNjaWk=\r\n`);
  });

  it('never puts "--grappler-" in a part tail, whatever the message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array(), trickyText()), (data) => {
        expect(MULTIPART_FORMAT.encode(new OutboundMessage(data)).includes('--grappler-')).toBe(false);
      }),
    );
  });
});

describe('boundaries and fixed parts', () => {
  it('makes a boundary of "grappler-" and 24 base64url characters of the random bytes', () => {
    expect(createBoundary(() => Buffer.alloc(18, 0xff))).toBe(`grappler-${'_'.repeat(24)}`);
    expect(createBoundary(() => Buffer.alloc(32, 0xfb))).toBe(`grappler-${'-_v7'.repeat(6)}`);
    expect(createBoundary()).toMatch(/^grappler-[A-Za-z0-9_-]{24}$/);
    expect(createBoundary()).not.toBe(createBoundary());
  });

  it('refuses a random source that returns too few bytes', () => {
    expect(() => createBoundary(() => Buffer.alloc(17))).toThrow(TypeError);
  });

  it('writes the head of a part, a ping part and the closing delimiter', () => {
    expect(partHead(B, 7).toString('latin1')).toBe(`--${B}\r\nX-Grappler-Seq: 7\r\n`);
    expect(pingPart(B).toString('latin1')).toBe(`--${B}\r\nContent-Type: application/x-grappler-ping\r\n\r\n\r\n`);
    expect(closingDelimiter(B).toString('latin1')).toBe(`--${B}--\r\n`);
  });

  it('names the boundary in the Content-Type and reads it back', () => {
    expect(multipartContentType(B)).toBe(`multipart/x-mixed-replace; boundary="${B}"`);
    expect(parseMultipartBoundary(multipartContentType(B))).toBe(B);
    expect(parseMultipartBoundary('multipart/mixed; charset=utf-8; boundary=abc')).toBe('abc');
    expect(parseMultipartBoundary('text/plain; boundary=abc')).toBeUndefined();
    expect(parseMultipartBoundary(undefined)).toBeUndefined();
  });

  it('decides base64 on "--grappler-" alone', () => {
    expect(needsBase64(Buffer.from('x--grappler-'))).toBe(true);
    expect(needsBase64(Buffer.from('x--grappler'))).toBe(false);
  });
});

/** Text built from pieces that look like multipart syntax, the boundary's prefix and B itself. */
function trickyText(boundary = B): fc.Arbitrary<string> {
  const piece = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.constantFrom('--grappler-', '--grappler', '\r\n--', '\r\n', '--', '\r\n\r\n', '-', boundary, `--${boundary}`, `\r\n--${boundary}--\r\n`),
  );
  return fc.array(piece, { maxLength: 8 }).map((pieces) => pieces.join(''));
}

describe('a stream read back by parseMultipartStream', () => {
  it('yields exactly the messages in order, with their seqs, for any messages and any chunking, by lengths or by delimiters alone', () => {
    const scenario = fc
      .record({ random: fc.uint8Array({ minLength: 18, maxLength: 18 }), pingEvery: fc.integer({ min: 1, max: 4 }), lengths: fc.boolean() })
      .chain(({ random, pingEvery, lengths }) => {
        const boundary = createBoundary(() => Buffer.from(random));
        const message = fc.oneof(trickyText(boundary), fc.string({ unit: 'binary', maxLength: 20 }), fc.uint8Array({ maxLength: 40 }));
        return fc.array(message, { maxLength: 12 }).chain((messages) => {
          const wire = streamOf(boundary, messages, pingEvery, lengths);
          return fc.record({ boundary: fc.constant(boundary), messages: fc.constant(messages), wire: fc.constant(wire), cuts: cutPoints(wire.length) });
        });
      });
    fc.assert(
      fc.property(scenario, ({ boundary, messages, wire, cuts }) => {
        const parser = parseMultipartStream(boundary);
        const parts = splitAt(wire, cuts).flatMap((chunk) => parser.push(chunk));
        const received = parts.filter((part) => !part.ping);
        expect(parser.error).toBeUndefined();
        expect(parser.ended).toBe(true);
        expect(received.map((part) => part.seq)).toEqual(messages.map((_, i) => i + 1));
        expect(received.map((part, i) => sameBytes(part, messages[i]!))).toEqual(messages.map(() => true));
        expect(received.map((part) => part.headers['content-type'])).toEqual(
          messages.map((data) => (typeof data === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream')),
        );
        expect(parts.filter((part) => part.ping).every((part) => part.body.length === 0 && part.seq === undefined)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('hands each message on as soon as its part has arrived, before the next delimiter', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(trickyText(), fc.uint8Array({ maxLength: 40 })), { minLength: 1 }), (messages) => {
        const wire = Buffer.concat(messages.flatMap((data, i) => [partHead(B, i + 1), MULTIPART_FORMAT.encode(new OutboundMessage(data))]));
        const parts = parseMultipartStream(B).push(wire.subarray(0, -2)); // not even the CRLF that ends the last part
        expect(parts).toHaveLength(messages.length);
        expect(parts.map((part, i) => sameBytes(part, messages[i]!))).toEqual(messages.map(() => true));
      }),
    );
  });

  it('finds the delimiter only where the encoder put one', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(trickyText(), fc.uint8Array({ maxLength: 40 }))), (messages) => {
        const wire = Buffer.concat([Buffer.from('\r\n'), streamOf(B, messages)]);
        const pings = Math.ceil(messages.length / 3);
        let count = 0;
        for (let at = wire.indexOf(`\r\n--${B}`); at >= 0; at = wire.indexOf(`\r\n--${B}`, at + 1)) count++;
        expect(count).toBe(messages.length + pings + 1);
      }),
    );
  });

  it('reads the exact bytes of a known stream', () => {
    const wire =
      `--${B}\r\nContent-Type: application/x-grappler-ping\r\n\r\n\r\n` +
      `--${B}\r\nX-Grappler-Seq: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi\r\n` +
      `--${B}\r\nX-Grappler-Seq: 2\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n` +
      `Content-Length: 16\r\n\r\nLS1ncmFwcGxlci0=\r\n` +
      `--${B}--\r\n`;
    expect(streamOf(B, ['hi', '--grappler-'], 2).toString('latin1')).toBe(wire);
    const parts = parseMultipartStream(B).push(Buffer.from(wire, 'latin1'));
    expect(parts.map((part) => [part.seq, part.ping, part.body.toString()])).toEqual([
      [undefined, true, ''],
      [1, false, 'hi'],
      [2, false, '--grappler-'],
    ]);
  });
});
