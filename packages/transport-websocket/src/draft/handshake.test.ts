import { HandshakeError } from '@grappler/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { draft76Answer, headerBlockBytes, parseDraftKey, parseDraftRequest, renderDraftResponse } from './handshake';

// The example handshake of draft-hixie-thewebsocketprotocol-76 (= hybi-00), section 1.3.
const SPEC = {
  key1: '4 @1  46546xW%0l 1 5',
  key2: '12998 5 Y3 1  .P00',
  key3: Buffer.from('^n:ds[4U', 'latin1'),
  answer: Buffer.from("8jKS'y:G*Co,Wxa-", 'latin1'),
};

const headers76 = {
  host: 'example.com',
  upgrade: 'WebSocket',
  connection: 'Upgrade',
  origin: 'http://example.com',
  'sec-websocket-key1': SPEC.key1,
  'sec-websocket-key2': SPEC.key2,
  'sec-websocket-protocol': 'sample',
};
const limits = { headerBytes: 200, maxHeaderBytes: 8192 };

describe('the draft-76 handshake', () => {
  it("answers the draft's own example with 8jKS'y:G*Co,Wxa-", () => {
    const request = parseDraftRequest('draft76', headers76, '/demo', limits);
    if (request instanceof HandshakeError) throw request;
    expect(request.keys).toEqual([829309203, 259970620]);
    expect(draft76Answer(request.keys!, SPEC.key3)).toEqual(SPEC.answer);
  });

  it('renders the response of the example, byte for byte', () => {
    const request = parseDraftRequest('draft76', headers76, '/demo', limits) as Exclude<ReturnType<typeof parseDraftRequest>, HandshakeError>;
    const response = renderDraftResponse(request, false, 'sample', SPEC.answer).toString('latin1');
    expect(response).toBe(
      'HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Origin: http://example.com\r\nSec-WebSocket-Location: ws://example.com/demo\r\n' +
        "Sec-WebSocket-Protocol: sample\r\n\r\n8jKS'y:G*Co,Wxa-",
    );
    expect(renderDraftResponse(request, true, undefined, SPEC.answer).toString('latin1')).toContain(
      'Sec-WebSocket-Location: wss://example.com/demo\r\n\r\n',
    );
  });

  it('refuses the bad keys the draft tells servers to refuse', () => {
    const cases: [string | undefined, RegExp][] = [
      [undefined, /missing Sec-WebSocket-Key1/],
      ['12345', /no spaces/],
      ['  ', /no digits/],
      ['1 2 3', /not a multiple of its 2 spaces/],
      ['4294967296 ', /over 32 bits/],
      ['99999999999999999999 ', /over 32 bits/],
    ];
    for (const [key, message] of cases) {
      const result = parseDraftKey('Sec-WebSocket-Key1', key);
      expect(result).toBeInstanceOf(HandshakeError);
      expect(result).toMatchObject({ code: 'ERR_HANDSHAKE', status: 400, message: expect.stringMatching(message) });
    }
    expect(parseDraftKey('k', '4294967295 ')).toBe(4294967295);
    expect(parseDraftKey('k', '0 0 0 1 2')).toBe(3);
  });

  it('reads back any key a client builds: quotient × spaces, digits and noise shuffled in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.constantFrom('!', 'x', 'Q', '%', '~'), { maxLength: 12 }),
        (spaces, max, noise) => {
          const quotient = Math.floor(max / spaces);
          const digits = String(quotient * spaces);
          const key = `${digits.slice(0, 1)}${noise.join('')}${' '.repeat(spaces)}${digits.slice(1)}`;
          expect(parseDraftKey('k', key)).toBe(quotient);
        },
      ),
    );
  });

  it('refuses a missing key2, a wrong Upgrade and an over-long header block', () => {
    const { 'sec-websocket-key2': _, ...noKey2 } = headers76;
    expect(parseDraftRequest('draft76', noKey2, '/', limits)).toMatchObject({ message: 'missing Sec-WebSocket-Key2' });
    expect(parseDraftRequest('draft76', { ...headers76, upgrade: 'h2c' }, '/', limits)).toMatchObject({ status: 400 });
    expect(parseDraftRequest('draft75', headers76, '/', { headerBytes: 9000, maxHeaderBytes: 8192 })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/maxHeaderBytes/),
    });
    // "Host: a.example\r\n"
    expect(headerBlockBytes(['Host', 'a.example'])).toBe(17);
  });
});

describe('the draft-75 handshake', () => {
  it('echoes origin, location and protocol with the draft-75 header names', () => {
    const request = parseDraftRequest(
      'draft75',
      { host: 'example.com:8080', upgrade: 'WebSocket', origin: 'http://example.com', 'websocket-protocol': 'chat' },
      '/live?x=1',
      limits,
    );
    if (request instanceof HandshakeError) throw request;
    expect(request.keys).toBeUndefined();
    expect(renderDraftResponse(request, false, 'chat').toString('latin1')).toBe(
      'HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n' +
        'WebSocket-Origin: http://example.com\r\nWebSocket-Location: ws://example.com:8080/live?x=1\r\n' +
        'WebSocket-Protocol: chat\r\n\r\n',
    );
  });
});
