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
});
