import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SiteControl } from './render-policy';
import { encodePolicy, escapeXmlAttribute, renderPolicy } from './render-policy';

const HEAD =
  '<?xml version="1.0"?>\n' +
  '<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">\n' +
  '<cross-domain-policy>\n';

/** Reads the attribute values back out of rendered allow-access-from lines. */
function allowed(xml: string): { domain: string; toPorts: string }[] {
  const unescapeXml = (text: string): string =>
    text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name] ?? '');
  return [...xml.matchAll(/<allow-access-from domain="([^"]*)" to-ports="([^"]*)"\/>/g)].map((m) => ({
    domain: unescapeXml(m[1] ?? ''),
    toPorts: unescapeXml(m[2] ?? ''),
  }));
}

describe('renderPolicy', () => {
  it('renders the document Flash expects, one allow-access-from per entry', () => {
    expect(renderPolicy([{ domain: '*', toPorts: '*' }])).toBe(
      `${HEAD}  <site-control permitted-cross-domain-policies="master-only"/>\n` +
        '  <allow-access-from domain="*" to-ports="*"/>\n</cross-domain-policy>\n',
    );
    expect(renderPolicy([{ domain: 'a.example', toPorts: '8080' }, { domain: '*.b.example', toPorts: '80,443' }])).toBe(
      `${HEAD}  <site-control permitted-cross-domain-policies="master-only"/>\n` +
        '  <allow-access-from domain="a.example" to-ports="8080"/>\n' +
        '  <allow-access-from domain="*.b.example" to-ports="80,443"/>\n</cross-domain-policy>\n',
    );
  });

  it('renders an empty list as a policy that allows nothing', () => {
    expect(renderPolicy([])).not.toContain('allow-access-from');
    expect(renderPolicy([])).toContain('<site-control permitted-cross-domain-policies="master-only"/>');
  });

  it('takes the site-control value from options and refuses unknown ones', () => {
    expect(renderPolicy([], { siteControl: 'all' })).toContain('permitted-cross-domain-policies="all"');
    expect(() => renderPolicy([], { siteControl: 'by-content-type' as SiteControl })).toThrow(TypeError);
  });

  it('throws a TypeError naming the bad entry', () => {
    const entries = [
      { domain: 'ok.example', toPorts: '*' },
      { domain: 'bad.example', toPorts: '80-' },
    ];
    expect(() => renderPolicy(entries)).toThrow(/entry 1 \{"domain":"bad.example","toPorts":"80-"\}/);
    expect(() => renderPolicy([{ domain: '', toPorts: '*' }])).toThrow(/entry 0 .*domain/);
  });

  it('escapes attribute values so any domain reads back unchanged', () => {
    expect(escapeXmlAttribute(`a&b<c>"d'`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
    const domain = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => [...s].every((c) => c > ' ' && c !== '\x7f'));
    fc.assert(
      fc.property(fc.array(domain, { maxLength: 4 }), (domains) => {
        const entries = domains.map((d) => ({ domain: d, toPorts: '*' }));
        expect(allowed(renderPolicy(entries))).toEqual(entries);
      }),
    );
  });
});

describe('encodePolicy', () => {
  it('is the UTF-8 document followed by exactly one NUL', () => {
    const entries = [{ domain: 'ünï.example', toPorts: '843' }];
    const bytes = encodePolicy(entries);
    expect(bytes.at(-1)).toBe(0);
    expect(bytes.indexOf(0)).toBe(bytes.length - 1);
    expect(bytes.subarray(0, -1).toString('utf8')).toBe(renderPolicy(entries));
  });
});
