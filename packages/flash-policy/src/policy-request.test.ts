import { cutPoints, hex, splitAt } from '@grappler/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FirstBytes, POLICY_REQUEST, classifyFirstBytes, isPolicyRequest } from './policy-request';

const ascii = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));

/** Feeds chunks cumulatively, as the socket code does, and returns the first decision reached. */
function decide(chunks: readonly Uint8Array[]): FirstBytes {
  let received = new Uint8Array(0);
  for (const chunk of chunks) {
    received = Uint8Array.from([...received, ...chunk]);
    const decision = classifyFirstBytes(received);
    if (decision !== 'undecided') return decision;
  }
  return 'undecided';
}

describe('POLICY_REQUEST', () => {
  it('is <policy-file-request/> and a NUL: 23 bytes', () => {
    expect(POLICY_REQUEST).toEqual(hex('3c 70 6f 6c 69 63 79 2d 66 69 6c 65 2d 72 65 71 75 65 73 74 2f 3e 00'));
    expect(POLICY_REQUEST).toHaveLength(23);
  });
});

describe('classifyFirstBytes', () => {
  it('answers the vectors: full request, HTTP, TLS, prefixes', () => {
    expect(classifyFirstBytes(POLICY_REQUEST)).toBe('policy');
    expect(classifyFirstBytes(ascii('<policy-file-request/>\0trailing'))).toBe('policy');
    expect(classifyFirstBytes(ascii('GET / HTTP/1.1\r\n'))).toBe('other');
    expect(classifyFirstBytes(hex('16 03 01 02 00'))).toBe('other');
    expect(classifyFirstBytes(ascii('<html>'))).toBe('other');
    expect(classifyFirstBytes(ascii('<policy-file-request/>'))).toBe('undecided');
    expect(classifyFirstBytes(ascii('<policy-file-request/>\n'))).toBe('other');
    expect(classifyFirstBytes(ascii('<'))).toBe('undecided');
    expect(classifyFirstBytes(new Uint8Array(0))).toBe('undecided');
  });

  it('is undecided on every strict prefix and policy on the whole request', () => {
    for (let n = 0; n < POLICY_REQUEST.length; n++) {
      expect(classifyFirstBytes(POLICY_REQUEST.subarray(0, n))).toBe('undecided');
    }
    expect(isPolicyRequest(POLICY_REQUEST)).toBe(true);
    expect(isPolicyRequest(POLICY_REQUEST.subarray(0, 22))).toBe(false);
  });

  it('cannot be changed by mutating the exported constant', () => {
    const copy = Uint8Array.from(POLICY_REQUEST);
    POLICY_REQUEST[0] = 0x47;
    try {
      expect(classifyFirstBytes(copy)).toBe('policy');
    } finally {
      POLICY_REQUEST[0] = 0x3c;
    }
  });

  it('reaches the same decision for any chunking of the same bytes', () => {
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: 0, max: 23 }).map((n) => POLICY_REQUEST.subarray(0, n)),
      fc.uint8Array({ maxLength: 10 }).map((tail) => Uint8Array.from([...POLICY_REQUEST, ...tail])),
    );
    fc.assert(
      fc.property(
        inputs.chain((bytes) => fc.tuple(fc.constant(bytes), cutPoints(bytes.length))),
        ([bytes, cuts]) => {
          expect(decide(splitAt(bytes, cuts))).toBe(classifyFirstBytes(bytes));
        },
      ),
    );
  });

  it('says other at the first byte that differs from the request, whatever follows', () => {
    const divergent = fc
      .tuple(fc.integer({ min: 0, max: 22 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 20 }))
      .filter(([at, byte]) => byte !== POLICY_REQUEST[at]);
    fc.assert(
      fc.property(divergent, ([at, byte, tail]) => {
        const prefix = POLICY_REQUEST.subarray(0, at);
        expect(classifyFirstBytes(Uint8Array.from([...prefix, byte]))).toBe('other');
        expect(classifyFirstBytes(Uint8Array.from([...prefix, byte, ...tail]))).toBe('other');
      }),
    );
  });
});
