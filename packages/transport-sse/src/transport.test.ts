import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { sseResumePoint, sseTransport } from './transport';

const request = (url: string, headers: Record<string, string> = {}): IncomingMessage => ({ url, method: 'GET', headers }) as unknown as IncomingMessage;

describe('sseResumePoint', () => {
  it('reads the Last-Event-ID header', () => {
    expect(sseResumePoint(request('/', { 'last-event-id': 'abc.7' }))).toEqual({ sessionId: 'abc', seq: 7 });
  });

  it('reads the lastEventId query parameter of EventSource polyfills', () => {
    expect(sseResumePoint(request('/?transport=sse&lastEventId=abc.0'))).toEqual({ sessionId: 'abc', seq: 0 });
  });

  it('prefers a valid header, and falls back to the query when the header is malformed', () => {
    expect(sseResumePoint(request('/?lastEventId=q.1', { 'last-event-id': 'h.2' }))).toEqual({ sessionId: 'h', seq: 2 });
    expect(sseResumePoint(request('/?lastEventId=q.1', { 'last-event-id': 'junk' }))).toEqual({ sessionId: 'q', seq: 1 });
  });

  it('is undefined for none or a malformed one: the request starts a new session', () => {
    expect(sseResumePoint(request('/'))).toBeUndefined();
    expect(sseResumePoint(request('/?lastEventId=12', { 'last-event-id': '' }))).toBeUndefined();
  });
});

describe('sseTransport', () => {
  it('is named sse and claims what an EventSource sends', () => {
    const transport = sseTransport();
    expect(transport.name).toBe('sse');
    expect(transport.matches(request('/', { accept: 'text/event-stream' }))).toBe(true);
    expect(transport.matches(request('/', { accept: 'text/html' }))).toBe(false);
  });

  it('refuses bad options when it is made, not on the first request', () => {
    expect(() => sseTransport({ retryMs: -1 })).toThrow(TypeError);
    expect(() => sseTransport({ path: 'events' })).toThrow(TypeError);
  });
});
