import { type PolicyEntry, assertPolicyEntry } from './policy-entry';

/**
 * `permitted-cross-domain-policies` of a socket policy: which other socket policies on this
 * host Flash may honour. HTTP-only values (`by-content-type`, `by-ftp-filename`) do not apply.
 */
export type SiteControl = 'none' | 'master-only' | 'all';

/** Options of {@link renderPolicy} and {@link encodePolicy}. */
export interface RenderPolicyOptions {
  /**
   * The `<site-control>` meta-policy. `master-only` because the policy on port 843 is then the
   * only one Flash trusts: a socket policy served by another process on a high port cannot widen it.
   * @default 'master-only'
   */
  siteControl?: SiteControl;
}

const SITE_CONTROLS: ReadonlySet<string> = new Set<SiteControl>(['none', 'master-only', 'all']);
const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for a double-quoted XML attribute value. */
export function escapeXmlAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

/**
 * The cross-domain-policy document for these entries (without the wire's trailing NUL).
 * An empty list is a valid policy that allows nothing.
 * @throws TypeError naming the first entry Flash could not use, or an unknown `siteControl`.
 * @example renderPolicy([{ domain: '*.example.com', toPorts: '8080' }])
 */
export function renderPolicy(entries: readonly PolicyEntry[], options: RenderPolicyOptions = {}): string {
  const siteControl = options.siteControl ?? 'master-only';
  if (!SITE_CONTROLS.has(siteControl)) throw new TypeError(`flash-policy: unknown siteControl "${siteControl}"`);
  entries.forEach(assertPolicyEntry);
  const lines = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">',
    '<cross-domain-policy>',
    `  <site-control permitted-cross-domain-policies="${siteControl}"/>`,
    ...entries.map(
      (entry) =>
        `  <allow-access-from domain="${escapeXmlAttribute(entry.domain)}" to-ports="${escapeXmlAttribute(entry.toPorts)}"/>`,
    ),
    '</cross-domain-policy>',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The bytes a responder writes: the policy document and the NUL that ends it. Computed once
 * per responder and written as-is to every Flash client.
 */
export function encodePolicy(entries: readonly PolicyEntry[], options: RenderPolicyOptions = {}): Buffer {
  return Buffer.from(`${renderPolicy(entries, options)}\0`, 'utf8');
}
