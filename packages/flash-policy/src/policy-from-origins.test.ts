import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policyFromOrigins } from './policy-from-origins';

describe('policyFromOrigins', () => {
  it('maps each hostname to a domain and ignores the origin port', () => {
    expect(policyFromOrigins(['a.example:8080', '*.b.example'])).toEqual([
      { domain: 'a.example', toPorts: '*' },
      { domain: '*.b.example', toPorts: '*' },
    ]);
    expect(policyFromOrigins('a.example:443', '843,8080')).toEqual([{ domain: 'a.example', toPorts: '843,8080' }]);
  });

  it('reads the seed default *:* (and *:443) as every domain', () => {
    expect(policyFromOrigins('*:*')).toEqual([{ domain: '*', toPorts: '*' }]);
    expect(policyFromOrigins(['a.example', '*:443'])).toEqual([{ domain: '*', toPorts: '*' }]);
  });

  it('keeps each hostname once, lowercased as parseOrigins reads it', () => {
    expect(policyFromOrigins(['A.example:80', 'a.example:443', '[::1]:3000'])).toEqual([
      { domain: 'a.example', toPorts: '*' },
      { domain: '::1', toPorts: '*' },
    ]);
  });

  it('throws a TypeError for unreadable origins and bad toPorts', () => {
    expect(() => policyFromOrigins('http://a.example')).toThrow(TypeError);
    expect(() => policyFromOrigins('a.example', '80-')).toThrow(/toPorts/);
  });

  it('yields exactly the distinct hostnames of any restricted origin list', () => {
    const host = fc.domain().map((d) => d.toLowerCase());
    const origin = fc.tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }))).map(([h, p]) => (p ? `${h}:${p}` : h));
    fc.assert(
      fc.property(fc.array(origin, { minLength: 1, maxLength: 6 }), (origins) => {
        const domains = policyFromOrigins(origins).map((entry) => entry.domain);
        expect(domains).toEqual([...new Set(origins.map((o) => o.split(':')[0]))]);
      }),
    );
  });
});
