import type { IncomingHttpHeaders } from 'node:http';

/** Headers a browser may read from grappler's responses. */
const EXPOSED = 'X-Grappler-Session, X-Grappler-Seq, X-Grappler-Up';
/** Headers a browser may send, beyond the simple ones. */
const ALLOWED = 'Content-Type, Last-Event-ID, X-Grappler-Session';

/** CORS headers for an allowed origin (none without an Origin header: same-origin or not a browser). */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  if (origin === undefined) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': EXPOSED,
    Vary: 'Origin',
  };
}

/** The answer to a preflight `OPTIONS` from an allowed origin. */
export function preflightHeaders(origin: string | undefined, headers: IncomingHttpHeaders): Record<string, string> {
  return {
    ...corsHeaders(origin),
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': typeof headers['access-control-request-headers'] === 'string' ? sanitize(headers['access-control-request-headers']) : ALLOWED,
    'Access-Control-Max-Age': '600',
  };
}

/** Echoes requested header names, keeping only token characters: nothing can be injected. */
function sanitize(requested: string): string {
  const names = requested.split(',').map((name) => name.trim()).filter((name) => /^[A-Za-z0-9-]+$/.test(name));
  return names.length > 0 ? names.join(', ') : ALLOWED;
}
