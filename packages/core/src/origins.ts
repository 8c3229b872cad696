/**
 * The seed's origin syntax: `"hostname:port"`, `"hostname"` (any port), with `*` standing for
 * either part or both. Pure: the hub parses its option once and checks each request's `Origin`.
 */

/** One parsed entry of the `origins` option; `null` is the `*` wildcard. */
export interface OriginPattern {
  readonly hostname: string | null;
  readonly port: number | null;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

/** Parses the `origins` option; a TypeError names an entry that cannot be read. */
export function parseOrigins(origins: string | readonly string[]): OriginPattern[] {
  const list = typeof origins === 'string' ? [origins] : origins;
  return list.map(parseOriginPattern);
}

function parseOriginPattern(entry: string): OriginPattern {
  const text = entry.trim().toLowerCase();
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\*|\d{1,5}))?$/.exec(text);
  if (!match?.[1]) throw new TypeError(`origins: cannot read "${entry}" (expected "hostname:port", "hostname" or "*")`);
  const hostname = match[1] === '*' ? null : match[1].replace(/^\[(.*)\]$/, '$1');
  const port = match[2] === undefined || match[2] === '*' ? null : Number(match[2]);
  if (port !== null && port > 65535) throw new TypeError(`origins: port out of range in "${entry}"`);
  return { hostname, port };
}

/** True when every origin is allowed (`"*:*"`), so requests without an `Origin` header pass too. */
export function allowsAnyOrigin(patterns: readonly OriginPattern[]): boolean {
  return patterns.some((p) => p.hostname === null && p.port === null);
}

/**
 * Whether an `Origin` header value is allowed. A missing or opaque (`null`) origin passes only
 * when every origin is allowed: a restricted server cannot tell where such a request came from.
 */
export function isOriginAllowed(origin: string | undefined, patterns: readonly OriginPattern[]): boolean {
  if (allowsAnyOrigin(patterns)) return true;
  const parsed = parseOriginHeader(origin);
  if (!parsed) return false;
  return patterns.some(
    (p) => (p.hostname === null || p.hostname === parsed.hostname) && (p.port === null || p.port === parsed.port),
  );
}

function parseOriginHeader(origin: string | undefined): { hostname: string; port: number } | null {
  if (!origin || origin === 'null') return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
  if (port === undefined || !url.hostname) return null;
  return { hostname: url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase(), port };
}
