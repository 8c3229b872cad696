import { describe, expect, it } from 'vitest';
import { readCookie, sessionCookie } from './cookie';
import { corsHeaders, preflightHeaders } from './cors';

describe('the session cookie', () => {
  it('is HttpOnly and SameSite=Lax, and Secure under TLS', () => {
    expect(sessionCookie('grappler.sid', 'abc', false)).toBe('grappler.sid=abc; Path=/; HttpOnly; SameSite=Lax');
    expect(sessionCookie('grappler.sid', 'abc', true)).toBe('grappler.sid=abc; Path=/; HttpOnly; SameSite=Lax; Secure');
  });

  it('is read back from a Cookie header among others, skipping malformed pairs', () => {
    expect(readCookie('a=1; grappler.sid=xyz; b=2', 'grappler.sid')).toBe('xyz');
    expect(readCookie('junk; grappler.sid=ok', 'grappler.sid')).toBe('ok');
    expect(readCookie('other=1', 'grappler.sid')).toBeUndefined();
    expect(readCookie(undefined, 'grappler.sid')).toBeUndefined();
  });
});

describe('CORS', () => {
  it('allows credentials for the given origin and says responses vary by it', () => {
    expect(corsHeaders('https://app.example')).toEqual({
      'Access-Control-Allow-Origin': 'https://app.example',
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Expose-Headers': 'X-Grappler-Session, X-Grappler-Seq, X-Grappler-Up',
      Vary: 'Origin',
    });
    expect(corsHeaders(undefined)).toEqual({});
  });

  it('answers a preflight with the methods and the requested header names, sanitized', () => {
    const headers = preflightHeaders('https://app.example', { 'access-control-request-headers': 'content-type, x-grappler-session' });
    expect(headers).toMatchObject({
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Allow-Headers': 'content-type, x-grappler-session',
    });
    const injected = preflightHeaders('https://app.example', { 'access-control-request-headers': 'x-a\r\nSet-Cookie: evil=1' });
    expect(injected['Access-Control-Allow-Headers']).not.toMatch(/[\r\n]/);
  });
});
