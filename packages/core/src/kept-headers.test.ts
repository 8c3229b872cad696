import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keptHeaders } from './kept-headers';

describe('keptHeaders', () => {
  it('drops what only served a WebSocket handshake and keeps the rest', () => {
    const browser = {
      host: 'example.com',
      connection: 'Upgrade',
      upgrade: 'websocket',
      origin: 'https://example.com',
      cookie: 'sid=1',
      'user-agent': 'Chromium',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
      'sec-websocket-protocol': 'chat',
    };
    expect(keptHeaders(browser)).toEqual({
      host: 'example.com',
      origin: 'https://example.com',
      cookie: 'sid=1',
      'user-agent': 'Chromium',
      'sec-websocket-protocol': 'chat',
    });
  });

  it('keeps every other header, value for value, and leaves the request its own', () => {
    const dropped = ['connection', 'upgrade', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'sec-websocket-key', 'sec-websocket-key1', 'sec-websocket-key2', 'sec-websocket-version', 'sec-websocket-extensions'];
    // Header names as Node gives them (lower case), with the dropped ones mixed in often.
    const name = fc.oneof(fc.constantFrom(...dropped), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/));
    fc.assert(
      fc.property(fc.dictionary(name, fc.oneof(fc.string(), fc.array(fc.string()))), (headers) => {
        const copy = structuredClone(headers);
        const kept = keptHeaders(headers);
        expect(kept).toEqual(Object.fromEntries(Object.entries(headers).filter(([n]) => !dropped.includes(n))));
        expect(headers).toEqual(copy);
      }),
    );
  });

  it('is frozen: client.headers cannot be changed, and one client cannot change another\'s', () => {
    const kept = keptHeaders({ host: 'example.com', cookie: 'sid=1' });
    expect(Object.isFrozen(kept)).toBe(true);
    expect(() => {
      (kept as Record<string, string>).host = 'other';
    }).toThrow(TypeError);
  });

  it('gives clients that sent the same common headers one object, and a client with its own headers its own', () => {
    const chrome = () => ({ host: 'example.com', connection: 'Upgrade', origin: 'https://example.com', 'user-agent': 'Chromium', 'sec-websocket-key': String(Math.random()) });
    const first = keptHeaders(chrome());
    expect(keptHeaders(chrome())).toBe(first);
    expect(keptHeaders({ ...chrome(), 'user-agent': 'Firefox' })).not.toBe(first);
    // A cookie (or any header not commonly repeated) is the client's own: so is its copy.
    const withCookie = { ...chrome(), cookie: 'sid=1' };
    expect(keptHeaders(withCookie)).not.toBe(keptHeaders(withCookie));
    // A value too long to be shared makes its copy the client's own too.
    const long = { host: 'example.com', 'user-agent': 'x'.repeat(600) };
    expect(keptHeaders(long)).not.toBe(keptHeaders(long));
    expect(keptHeaders(long)).toEqual(long);
  });

  it('keeps sharing, and answering right, past the bound of distinct sets', () => {
    for (let n = 0; n < 1000; n++) expect(keptHeaders({ host: `h${n}.example` })).toEqual({ host: `h${n}.example` });
    const again = keptHeaders({ host: 'h999.example' });
    expect(keptHeaders({ host: 'h999.example' })).toBe(again);
  });
});
