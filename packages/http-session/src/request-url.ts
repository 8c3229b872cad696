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

/**
 * The parts of a request's URL the transports read. A WHATWG `URL` is one; so is the lighter
 * reading {@link requestUrl} makes of a plain request target.
 */
export interface RequestTarget {
  /** The path, as `URL` normalizes it. */
  readonly pathname: string;
  /** The query; `get` gives the first value of a parameter, decoded, or null. */
  readonly searchParams: { get(name: string): string | null };
}

/**
 * A target `URL` reads back unchanged: a path of letters, digits, `_ - ~ /` (no dot segments, no
 * `//` that would read as a host) and a query of letters, digits, `_ - . ~ = &` (nothing to
 * decode). Every request of grappler's client is one; anything else is parsed by `URL`.
 */
const PLAIN_TARGET = /^\/(?!\/)[\w~/-]*(?:\?[\w.~=&-]*)?$/;

/** A plain query (see {@link PLAIN_TARGET}): the value of a parameter is the text after its `=`. */
class PlainQuery {
  readonly #query: string;

  constructor(query: string) {
    this.#query = query;
  }

  get(name: string): string | null {
    const query = this.#query;
    let start = 0;
    while (start < query.length) {
      let end = query.indexOf('&', start);
      if (end === -1) end = query.length;
      // An empty pair (`a&&b`) is no parameter, as in URLSearchParams.
      if (end > start) {
        const equals = query.indexOf('=', start);
        const nameEnd = equals !== -1 && equals < end ? equals : end;
        if (nameEnd - start === name.length && query.startsWith(name, start)) return nameEnd === end ? '' : query.slice(nameEnd + 1, end);
      }
      start = end + 1;
    }
    return null;
  }
}

/** The last plain target read, by its text: a request is asked for its URL several times in a row. */
let lastRaw: string | undefined;
let lastPlain: RequestTarget | undefined;

/**
 * The path and query of a request; a malformed URL reads as `/` with no query. Asked several
 * times per request (every HTTP transport's `matches`, then the one that serves it): a plain
 * target is read once and its reading shared (it cannot change), so a request carries nothing
 * extra. A router that strips its mount path from `req.url` is read anew.
 */
export function requestUrl(req: IncomingMessage): RequestTarget {
  const raw = req.url;
  if (raw === lastRaw && lastPlain !== undefined) return lastPlain;
  const url = parseRequestUrl(raw);
  if (!(url instanceof URL)) {
    lastRaw = raw;
    lastPlain = url;
  }
  return url;
}

/**
 * A plain target is read by hand: a long poll asks for one per message, and `URL` with its
 * `searchParams` cost several microseconds of each. The result is the same (a property test
 * holds the two together).
 */
export function parseRequestUrl(raw: string | undefined): RequestTarget {
  if (raw !== undefined && PLAIN_TARGET.test(raw)) {
    const mark = raw.indexOf('?');
    const target: RequestTarget =
      mark === -1 ? { pathname: raw, searchParams: new PlainQuery('') } : { pathname: raw.slice(0, mark), searchParams: new PlainQuery(raw.slice(mark + 1)) };
    return Object.freeze(target);
  }
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
export function wantsTransport(name: string, req: IncomingMessage, url: RequestTarget, path: string | undefined): boolean {
  if (path !== undefined) return url.pathname === path;
  const asked = url.searchParams.get(PARAM.transport);
  if (asked !== null) return asked === name;
  return name === 'sse' && req.method === 'GET' && (req.headers.accept ?? '').includes('text/event-stream');
}

/** `?seq=`: a non-negative integer, or undefined when absent or malformed. */
export function seqParam(url: RequestTarget): number | undefined {
  return integerParam(url, PARAM.seq, 0);
}

/** `?up=`: a positive integer, or undefined when absent or malformed. */
export function upParam(url: RequestTarget): number | undefined {
  return integerParam(url, PARAM.up, 1);
}

function integerParam(url: RequestTarget, name: string, min: number): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null || !/^\d{1,15}$/.test(value)) return undefined;
  const number = Number(value);
  return number >= min ? number : undefined;
}
