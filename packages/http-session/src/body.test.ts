import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessages } from './body';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

describe('parseMessages', () => {
  it('reads a text/plain body as one message', () => {
    expect(parseMessages('text/plain; charset=utf-8', bytes('hello\nworld'))).toEqual(['hello\nworld']);
    expect(parseMessages(undefined, bytes('no type'))).toEqual(['no type']);
    expect(parseMessages('text/plain', bytes(''))).toEqual(['']);
  });

  it('reads a JSON string as one message and a JSON array of strings as several, in order', () => {
    expect(parseMessages('application/json', bytes('"one"'))).toEqual(['one']);
    expect(parseMessages('Application/JSON; charset=utf-8', bytes('["a","b","c"]'))).toEqual(['a', 'b', 'c']);
    fc.assert(
      fc.property(fc.array(fc.string()), (messages) => {
        expect(parseMessages('application/json', bytes(JSON.stringify(messages)))).toEqual(messages);
      }),
    );
  });

  it('refuses malformed bodies with 400 and other types with 415', () => {
    expect(parseMessages('application/json', bytes('{"a":'))).toMatchObject({ status: 400 });
    expect(parseMessages('application/json', bytes('{"a":1}'))).toMatchObject({ status: 400 });
    expect(parseMessages('application/json', bytes('["a",2]'))).toMatchObject({ status: 400 });
    expect(parseMessages('text/plain', Uint8Array.from([0xc3, 0x28]))).toMatchObject({ status: 400 });
    expect(parseMessages('application/x-www-form-urlencoded', bytes('a=b'))).toMatchObject({ status: 415 });
  });
});
