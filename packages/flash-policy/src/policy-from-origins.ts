import { parseOrigins } from '@grappler/core';
import { type PolicyEntry, assertPolicyEntry } from './policy-entry';

/**
 * Turns grappler's `origins` option (`"hostname:port"`, `"hostname"`, `*` for either or both)
 * into policy entries: `domain` is the origin's hostname, or `*` when the hostname is `*`.
 *
 * The origin's port is not used. An origin's port is the port of the page that loaded the
 * movie, while Flash's `to-ports` names the ports of this server the movie may connect to:
 * the two are unrelated, so `toPorts` is its own argument, the same for every entry.
 *
 * A wildcard hostname collapses the result to one `*` entry (it allows every page anyway);
 * otherwise hostnames are kept once each, in their first order.
 * @param toPorts the server ports to allow. @default '*'
 * @throws TypeError from `parseOrigins` for an entry it cannot read, or for a bad `toPorts`.
 * @example policyFromOrigins(['app.example:443', '*.cdn.example'], '8080')
 * // [{ domain: 'app.example', toPorts: '8080' }, { domain: '*.cdn.example', toPorts: '8080' }]
 */
export function policyFromOrigins(origins: string | readonly string[], toPorts = '*'): PolicyEntry[] {
  const hostnames = parseOrigins(origins).map((origin) => origin.hostname ?? '*');
  const domains = hostnames.includes('*') ? ['*'] : [...new Set(hostnames)];
  const entries = domains.map((domain) => ({ domain, toPorts }));
  entries.forEach(assertPolicyEntry);
  return entries;
}
