import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { requestUrl, seqParam, upParam, wantsTransport } from './request-url';

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
});
