import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequestUrl, requestUrl, seqParam, upParam, wantsTransport } from './request-url';

const request = (url: string, method = 'GET', accept?: string): IncomingMessage =>
  ({ url, method, headers: accept ? { accept } : {} }) as IncomingMessage;

describe('routing a request to its transport', () => {
  it('sends a native EventSource (Accept: text/event-stream) to SSE with no query string', () => {
    const req = request('/', 'GET', 'text/event-stream');
    expect(wantsTransport('sse', req, requestUrl(req), undefined)).toBe(true);
    expect(wantsTransport('longpoll', req, requestUrl(req), undefined)).toBe(false);
  });

  it('chooses the others by ?transport=', () => {
    for (const name of ['sse', 'xhr-multipart', 'longpoll']) {
      const req = request(`/anything?transport=${name}&session=x`, 'POST');
      for (const other of ['sse', 'xhr-multipart', 'longpoll']) {
        expect(wantsTransport(other, req, requestUrl(req), undefined)).toBe(other === name);
      }
    }
    const page = request('/', 'GET', 'text/html');
    expect(wantsTransport('sse', page, requestUrl(page), undefined)).toBe(false);
  });

  it('lets a mounted transport own its path, whatever the query', () => {
    const req = request('/poll?seq=3', 'GET');
    expect(wantsTransport('longpoll', req, requestUrl(req), '/poll')).toBe(true);
    expect(wantsTransport('longpoll', request('/other?transport=longpoll'), requestUrl(request('/other?transport=longpoll')), '/poll')).toBe(false);
  });

  it('reads seq strictly and survives malformed URLs', () => {
    expect(seqParam(new URL('http://x/?seq=42'))).toBe(42);
    expect(seqParam(new URL('http://x/?seq=-1'))).toBeUndefined();
    expect(seqParam(new URL('http://x/?seq=1e3'))).toBeUndefined();
    expect(requestUrl(request('//[bad')).pathname).toBe('/');
    expect(upParam(new URL('http://x/?up=7'))).toBe(7);
    expect(upParam(new URL('http://x/?up=0'))).toBeUndefined();
  });
});

describe('requestUrl', () => {
  it('parses a request once, and again when a router rewrote req.url', () => {
    const req = request('/rt/poll?seq=4');
    const first = requestUrl(req);
    expect(requestUrl(req)).toBe(first);
    req.url = '/poll?seq=5';
    const second = requestUrl(req);
    expect(second).not.toBe(first);
    expect(second.pathname).toBe('/poll');
    expect(seqParam(second)).toBe(5);
  });

  it('shares the reading of a plain target, frozen; a URL it parsed with URL is each request\'s own', () => {
    const plain = requestUrl(request('/?transport=longpoll&session=a&seq=1'));
    expect(requestUrl(request('/?transport=longpoll&session=a&seq=1'))).toBe(plain);
    expect(Object.isFrozen(plain)).toBe(true);
    const odd = requestUrl(request('/?q=a+b'));
    expect(odd).toBeInstanceOf(URL);
    expect(requestUrl(request('/?q=a+b'))).not.toBe(odd);
  });
});

describe('parseRequestUrl', () => {
  const whatwg = (raw: string): URL => {
    try {
      return new URL(raw, 'http://grappler.invalid');
    } catch {
      return new URL('/', 'http://grappler.invalid');
    }
  };

  it("reads a plain target by hand, not through URL (the long poll's every request)", () => {
    const target = parseRequestUrl('/rt/poll?transport=longpoll&session=Ab_9-x&seq=12');
    expect(target).not.toBeInstanceOf(URL);
    expect(target.pathname).toBe('/rt/poll');
    expect(target.searchParams.get('session')).toBe('Ab_9-x');
    expect(target.searchParams.get('seq')).toBe('12');
    expect(target.searchParams.get('up')).toBeNull();
  });

  it('hands anything URL would change to URL', () => {
    for (const raw of ['/a/../b', '//host/x', '/?q=a+b', '/?q=%41', '/a b', '/é', '/\\x', '/?#frag', 'http://h/x?seq=1']) {
      expect(parseRequestUrl(raw)).toBeInstanceOf(URL);
    }
  });

  it('reads every target as URL does: the same path, the same first value of every parameter', () => {
    const piece = fc.constantFrom('a', 'seq', 'session', '1', '_', '-', '~', '.', '..', '/', '//', '?', '&', '=', '+', '%', '%41', '%zz', '#', ' ', 'é', '\\', '[');
    const raw = fc.array(piece, { maxLength: 14 }).map((pieces) => `/${pieces.join('')}`);
    const name = fc.constantFrom('a', 'seq', 'session', '', 'a1', 'x');
    fc.assert(
      fc.property(fc.oneof(raw, fc.string()), fc.array(name, { minLength: 1, maxLength: 4 }), (target, names) => {
        const ours = parseRequestUrl(target);
        const theirs = whatwg(target);
        expect(ours.pathname).toBe(theirs.pathname);
        for (const each of names) expect(ours.searchParams.get(each)).toBe(theirs.searchParams.get(each));
      }),
      { numRuns: 2_000 },
    );
  });
});
