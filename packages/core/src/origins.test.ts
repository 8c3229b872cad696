import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowsAnyOrigin, isOriginAllowed, parseOrigins } from './origins';

describe('parseOrigins', () => {
  it('reads the seed forms: hostname:port, hostname, and * for either or both', () => {
    expect(parseOrigins('*:*')).toEqual([{ hostname: null, port: null }]);
    expect(parseOrigins(['*', 'Example.COM', 'a.example:8080', '*:443', 'b.example:*', '[::1]:3000'])).toEqual([
      { hostname: null, port: null },
      { hostname: 'example.com', port: null },
      { hostname: 'a.example', port: 8080 },
      { hostname: null, port: 443 },
      { hostname: 'b.example', port: null },
      { hostname: '::1', port: 3000 },
    ]);
  });

  it('names an entry it cannot read', () => {
    expect(() => parseOrigins(['ok.example', 'http://bad.example'])).toThrow(/http:\/\/bad\.example/);
    expect(() => parseOrigins('a.example:70000')).toThrow(/port out of range/);
    expect(() => parseOrigins('')).toThrow(TypeError);
  });
});

describe('isOriginAllowed', () => {
  const restricted = parseOrigins(['app.example:443', 'localhost', '*:8443']);

  it('matches hostname and the port the scheme implies', () => {
    expect(isOriginAllowed('https://app.example', restricted)).toBe(true);
    expect(isOriginAllowed('https://app.example:443', restricted)).toBe(true);
    expect(isOriginAllowed('http://app.example', restricted)).toBe(false);
    expect(isOriginAllowed('http://localhost:5173', restricted)).toBe(true);
    expect(isOriginAllowed('https://anything.example:8443', restricted)).toBe(true);
    expect(isOriginAllowed('https://APP.example', restricted)).toBe(true);
  });

  it('refuses missing, opaque and unreadable origins unless every origin is allowed', () => {
    for (const origin of [undefined, '', 'null', 'not a url', 'file:///etc/passwd']) {
      expect(isOriginAllowed(origin, restricted)).toBe(false);
      expect(isOriginAllowed(origin, parseOrigins('*:*'))).toBe(true);
    }
  });

  it('allows everything under *:* and only the named host under hostname', () => {
    const any = parseOrigins('*:*');
    expect(allowsAnyOrigin(any)).toBe(true);
    expect(allowsAnyOrigin(restricted)).toBe(false);
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: false, withFragments: false }), (url) => {
        const origin = new URL(url).origin;
        expect(isOriginAllowed(origin, any)).toBe(true);
        const host = new URL(url).hostname;
        expect(isOriginAllowed(origin, parseOrigins(host.startsWith('[') ? `${host}:*` : host))).toBe(true);
        expect(isOriginAllowed(origin, parseOrigins(`x${host.replace(/^\[|\]$/g, '')}.invalid`))).toBe(false);
      }),
    );
  });
});
