import type { IncomingMessage } from 'node:http';

/** Query parameters every HTTP transport understands (the one place they are named). */
export const PARAM: Readonly<{ transport: 'transport'; session: 'session'; seq: 'seq'; up: 'up'; mode: 'mode'; resume: 'resume' }> = Object.freeze({
  /** Which transport a request wants: `sse`, `xhr-multipart` or `longpoll`. */
  transport: 'transport',
  /** The session a request belongs to. */
  session: 'session',
  /** The last sequence number the client received (resume and acknowledgement). */
  seq: 'seq',
  /** On a POST: the number of its first message, so a retried POST delivers nothing twice. */
  up: 'up',
  /** `framed` on the GET that opens a session: grappler's client asks for framed mode (docs/framed-mode.md). */
  mode: 'mode',
  /** With `mode=framed`: the resume token of a framed client to attach the new session to (with `seq`). */
  resume: 'resume',
});

/** The request header that may carry the session id instead of the query. */
export const SESSION_HEADER = 'x-grappler-session';

/** Where a request keeps its parsed URL, with the `req.url` it was parsed from. */
const PARSED = Symbol('grappler.requestUrl');

type ParsedRequest = IncomingMessage & { [PARSED]?: { readonly raw: string | undefined; readonly url: URL } };

/**
 * The path and query of a request; a malformed URL reads as `/` with no query. Parsed once per
 * request (every HTTP transport's `matches`, then the one that serves it, ask), and again only if
 * `req.url` changed meanwhile (a router that strips its mount path).
 */
export function requestUrl(req: IncomingMessage): URL {
  const parsed = (req as ParsedRequest)[PARSED];
  if (parsed !== undefined && parsed.raw === req.url) return parsed.url;
  const url = parseRequestUrl(req.url);
  (req as ParsedRequest)[PARSED] = { raw: req.url, url };
  return url;
}

function parseRequestUrl(raw: string | undefined): URL {
  try {
    return new URL(raw ?? '/', 'http://grappler.invalid');
  } catch {
    return new URL('/', 'http://grappler.invalid');
  }
}

/**
 * Whether a request is for the transport `name`. Mounted at a `path`, the path decides.
 * Otherwise `?transport=name` does, and a GET that accepts `text/event-stream` (what a native
 * EventSource sends) is SSE's with no query at all.
 */
export function wantsTransport(name: string, req: IncomingMessage, url: URL, path: string | undefined): boolean {
  if (path !== undefined) return url.pathname === path;
  const asked = url.searchParams.get(PARAM.transport);
  if (asked !== null) return asked === name;
  return name === 'sse' && req.method === 'GET' && (req.headers.accept ?? '').includes('text/event-stream');
}

/** `?seq=`: a non-negative integer, or undefined when absent or malformed. */
export function seqParam(url: URL): number | undefined {
  return integerParam(url, PARAM.seq, 0);
}

/** `?up=`: a positive integer, or undefined when absent or malformed. */
export function upParam(url: URL): number | undefined {
  return integerParam(url, PARAM.up, 1);
}

function integerParam(url: URL, name: string, min: number): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null || !/^\d{1,15}$/.test(value)) return undefined;
  const number = Number(value);
  return number >= min ? number : undefined;
}
