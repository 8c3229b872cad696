import { cutPoints, splitAt } from '@grappler/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MultipartParserOptions, parseMultipartStream } from './parse-stream';

const B = 'grappler-0123456789abcdefghijKLMN';
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const bodies = (text: string, options?: MultipartParserOptions): string[] =>
  parseMultipartStream(B, options)
    .push(bytes(text))
    .map((part) => part.body.toString('latin1'));

describe('parseMultipartStream', () => {
  it('skips a preamble and ignores the epilogue', () => {
    const parser = parseMultipartStream(B);
    const parts = parser.push(bytes(`preamble --${B}x\r\n--${B}\r\nA: 1\r\n\r\none\r\n--${B}--\r\nepilogue --${B}\r\n\r\nno\r\n`));
    expect(parts.map((part) => part.body.toString())).toEqual(['one']);
    expect(parser.ended).toBe(true);
    expect(parser.push(bytes(`--${B}\r\n\r\nmore\r\n`))).toEqual([]);
  });

  it('reads a part with no headers and an empty part', () => {
    expect(bodies(`--${B}\r\n\r\nbare\r\n--${B}\r\nA: 1\r\n\r\n\r\n--${B}--`)).toEqual(['bare', '']);
  });

  it('tolerates spaces after a boundary, and lower-cases header names', () => {
    const [part] = parseMultipartStream(B).push(bytes(`--${B} \t\r\nX-Grappler-Seq:  12 \r\nContent-TYPE: Text/Plain\r\n\r\nx\r\n--${B}`));
    expect(part).toMatchObject({ headers: { 'x-grappler-seq': '12', 'content-type': 'Text/Plain' }, seq: 12, ping: false });
  });

  it('decodes base64 bodies, also when folded into lines', () => {
    const head = `--${B}\r\nContent-Transfer-Encoding: BASE64\r\n\r\n`;
    expect(bodies(`${head}aGVs\r\nbG8=\r\n--${B}--`)).toEqual(['hello']);
  });

  it('keeps an incomplete part until its delimiter arrives', () => {
    const parser = parseMultipartStream(B);
    expect(parser.push(bytes(`--${B}\r\n\r\nhalf`))).toEqual([]);
    expect(parser.push(bytes(`\r\n--${B.slice(0, 10)}`))).toEqual([]);
    expect(parser.push(bytes(B.slice(10))).map((part) => part.body.toString())).toEqual(['half']);
    expect(parser.ended).toBe(false);
  });

  it('returns parts that stay intact while the parser reads on', () => {
    const parser = parseMultipartStream(B);
    const [first] = parser.push(bytes(`--${B}\r\n\r\nfirst\r\n--${B}\r\n\r\n`));
    parser.push(bytes(`${'x'.repeat(100_000)}\r\n--${B}--`));
    expect(first?.body.toString()).toBe('first');
  });

  it('hands a part with a Content-Length on before its delimiter arrives', () => {
    const parser = parseMultipartStream(B);
    expect(parser.push(bytes(`--${B}\r\nContent-Length: 5\r\n\r\nhel`))).toEqual([]);
    expect(parser.push(bytes('lo')).map((part) => part.body.toString())).toEqual(['hello']);
    expect(parser.push(bytes(`\r\n--${B}\r\nContent-Length: 4\r\n\r\n\r\n--\r\n--${B}`)).map((part) => part.body.toString())).toEqual(['\r\n--']);
    expect(parser.push(bytes('--\r\n'))).toEqual([]);
    expect(parser.ended).toBe(true);
    expect(parser.error).toBeUndefined();
  });

  it.each([
    ['garbage after a boundary', `--${B}x\r\n`, 'ERR_PROTOCOL'],
    ['a header line without a colon', `--${B}\r\nnot a header\r\n\r\n`, 'ERR_PROTOCOL'],
    ['invalid base64', `--${B}\r\nContent-Transfer-Encoding: base64\r\n\r\n-bad-\r\n--${B}`, 'ERR_PROTOCOL'],
    ['an unknown transfer encoding', `--${B}\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nx\r\n--${B}`, 'ERR_PROTOCOL'],
    ['an invalid Content-Length', `--${B}\r\nContent-Length: 5x\r\n\r\n`, 'ERR_PROTOCOL'],
    ['a Content-Length over maxPartBytes', `--${B}\r\nContent-Length: 9999999999\r\n\r\n`, 'ERR_MESSAGE_TOO_LARGE'],
  ])('stops with an error on %s, and stays stopped', (_what, text, code) => {
    const parser = parseMultipartStream(B);
    expect(parser.push(bytes(text))).toEqual([]);
    expect(parser.error?.code).toBe(code);
    expect(parser.push(bytes(`\r\n--${B}\r\n\r\nok\r\n--${B}--`))).toEqual([]);
    expect(parser.ended).toBe(false);
  });

  it('stops when a part does not end where its Content-Length says', () => {
    const parser = parseMultipartStream(B);
    expect(parser.push(bytes(`--${B}\r\nContent-Length: 2\r\n\r\nabc\r\n--${B}`)).map((part) => part.body.toString())).toEqual(['ab']);
    expect(parser.error?.code).toBe('ERR_PROTOCOL');
  });

  it('stops with ERR_MESSAGE_TOO_LARGE past maxPartBytes, before the part is complete', () => {
    const parser = parseMultipartStream(B, { maxPartBytes: 64 });
    expect(parser.push(bytes(`--${B}\r\n\r\n${'x'.repeat(64)}\r\n--${B}\r\n\r\n`))).toHaveLength(1);
    for (let i = 0; i < 200 && !parser.error; i++) parser.push(bytes('y'));
    expect(parser.error?.code).toBe('ERR_MESSAGE_TOO_LARGE');
  });

  it('stops past maxHeaderBytes, before the header block is complete', () => {
    const parser = parseMultipartStream(B, { maxHeaderBytes: 32 });
    expect(parser.push(bytes(`--${B}\r\nA: ${'a'.repeat(29)}\r\n\r\nok\r\n--${B}\r\n`))).toHaveLength(1);
    for (let i = 0; i < 40 && !parser.error; i++) parser.push(bytes('b'));
    expect(parser.error?.code).toBe('ERR_PROTOCOL');
    expect(parseMultipartStream(B, { maxHeaderBytes: 32 }).push(bytes(`--${B}${' '.repeat(40)}`)).length).toBe(0);
  });

  it('yields the same parts and errors for any chunking of the same bytes', () => {
    const wire = bytes(
      `pre\r\n--${B}\r\nX-Grappler-Seq: 1\r\n\r\n\r\n--${B}-\r\n` + // the first delimiter is not one: "--B-" is followed by neither CRLF nor "--"
        `--${B} \r\nContent-Transfer-Encoding: base64\r\nContent-Length: 4\r\n\r\nLS0=\r\n--${B}\r\n\r\n\r\n\r\n--${B}--\r\n`,
    );
    const run = (chunks: Uint8Array[]) => {
      const parser = parseMultipartStream(B);
      const parts = chunks.flatMap((chunk) => parser.push(chunk));
      return { parts, ended: parser.ended, error: parser.error?.code };
    };
    const whole = run([wire]);
    expect(whole.error).toBe('ERR_PROTOCOL');
    const valid = bytes(`--${B}\r\nX-Grappler-Seq: 1\r\n\r\n\r\n--${B} \r\nContent-Transfer-Encoding: base64\r\nContent-Length: 4\r\n\r\nLS0=\r\n--${B}\r\n\r\n\r\n\r\n--${B}--\r\n`);
    const validWhole = run([valid]);
    expect(validWhole.parts.map((part) => part.body.toString())).toEqual(['', '--', '\r\n']);
    expect(validWhole.ended).toBe(true);
    fc.assert(
      fc.property(cutPoints(wire.length), cutPoints(valid.length), (cuts, validCuts) => {
        expect(run(splitAt(wire, cuts))).toEqual(whole);
        expect(run(splitAt(valid, validCuts))).toEqual(validWhole);
      }),
    );
  });
});
