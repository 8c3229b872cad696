import { createServer, get } from 'node:http';
import { listen, rawExchange } from '@grappler/testkit';
import { describe, expect, it } from 'vitest';
import { POLICY_REQUEST, renderPolicy } from '../src/index';
import { closedWithin, openRaw, slowExchange } from './slow-exchange';
import { trackSniffers } from './track-sniffers';

const REQUEST = Buffer.from(POLICY_REQUEST).toString('latin1');
const ANY = `${renderPolicy([{ domain: '*', toPorts: '*' }])}\0`;
const GET = 'GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';

describe('sniffPolicyRequests on an http.Server', () => {
  const sniff = trackSniffers();
  async function start(timeoutMs?: number): Promise<number> {
    const server = createServer((_req, res) => res.end('hello'));
    sniff(server, timeoutMs === undefined ? {} : { timeoutMs });
    return listen(server);
  }

  it('answers a policy request, whole or byte at a time, and closes', async () => {
    const port = await start();
    expect(await rawExchange(port, POLICY_REQUEST)).toEqual({ response: ANY, closed: true });
    expect(await slowExchange(port, REQUEST)).toEqual({ response: ANY, closed: true });
  });

  it('passes a plain GET, whole or byte at a time, through to HTTP', async () => {
    const port = await start();
    for (const exchange of [await rawExchange(port, GET), await slowExchange(port, GET)]) {
      expect(exchange.closed).toBe(true);
      expect(exchange.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(exchange.response.endsWith('\r\n\r\nhello')).toBe(true);
    }
  });

  it('hands over bytes that start like the request and then differ (Node answers 400)', async () => {
    const port = await start();
    for (const bytes of ['<policy-file-request/>\n', `<x${GET}`]) {
      for (const exchange of [await rawExchange(port, bytes), await slowExchange(port, bytes)]) {
        expect(exchange.response).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      }
    }
  });

  it('keeps serving real HTTP clients, keep-alive included', async () => {
    const port = await start();
    const body = await new Promise<string>((resolve, reject) => {
      get({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(body).toBe('hello');
    const { socket, received } = await openRaw(port);
    socket.write('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(await closedWithin(socket, 2000)).toBe(true);
    expect(received().match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
  });

  it('closes a connection stuck on a prefix of the request for timeoutMs', async () => {
    const port = await start(100);
    const { socket, received } = await openRaw(port);
    const startedAt = Date.now();
    socket.write('<policy');
    expect(await closedWithin(socket, 2000)).toBe(true);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(90);
    expect(received()).toBe('');
  });

  it("leaves silent and slow HTTP connections to HTTP's own timeouts", async () => {
    const port = await start(100);
    const silent = await openRaw(port);
    const slow = await openRaw(port);
    slow.socket.write('GET / HTTP/1.1\r\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(silent.socket.destroyed).toBe(false);
    expect(slow.socket.destroyed).toBe(false);
    slow.socket.write('Host: a\r\nConnection: close\r\n\r\n');
    expect(await closedWithin(slow.socket, 2000)).toBe(true);
    expect(slow.received()).toMatch(/hello$/);
    silent.socket.destroy();
  });

  it('does nothing per connection: the connection listeners stay as they were', async () => {
    const server = createServer((_req, res) => res.end('hello'));
    const before = server.rawListeners('connection');
    sniff(server);
    expect(server.rawListeners('connection')).toEqual(before);
  });

  it('answers only the first bytes of a connection, not a request after a GET', async () => {
    const port = await start();
    const { socket, received } = await openRaw(port);
    socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    for (let waited = 0; !received().endsWith('hello') && waited < 2000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    socket.write(REQUEST); // a packet of its own, as a connection's first bytes would be
    expect(await closedWithin(socket, 2000)).toBe(true);
    expect(received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhelloHTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n\r\n$/);
  });

  it("answers other bad requests as Node does when nobody else listens (400, 431)", async () => {
    const server = createServer({ maxHeaderSize: 1024 }, (_req, res) => res.end('hello'));
    sniff(server);
    const port = await listen(server);
    expect((await rawExchange(port, `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`)).response).toMatch(
      /^HTTP\/1\.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n$/,
    );
    expect(await rawExchange(port, 'BREW / HTTP/1.1\r\n\r\n')).toEqual({ response: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n', closed: true });
  });

  it("hands other bad requests to the server's clientError listeners, and hides policy requests from them", async () => {
    const server = createServer((_req, res) => res.end('hello'));
    const seen: string[] = [];
    server.on('clientError', (error: Error & { code?: string }, socket) => {
      seen.push(error.code ?? '');
      socket.end('HTTP/1.1 418 Teapot\r\n\r\n');
    });
    sniff(server);
    const port = await listen(server);
    expect(await rawExchange(port, POLICY_REQUEST)).toEqual({ response: ANY, closed: true });
    expect((await rawExchange(port, '<x')).response).toBe('HTTP/1.1 418 Teapot\r\n\r\n');
    expect(seen).toEqual(['HPE_INVALID_METHOD']);
  });

  it('restores the original clientError listeners on close(), first in line and once-ness kept', async () => {
    const server = createServer((_req, res) => res.end('hello'));
    const once = (): void => {};
    server.once('clientError', once);
    const originals = server.rawListeners('clientError');
    const sniffer = sniff(server);
    expect(server.listeners('clientError')).toHaveLength(1);
    expect(server.listeners('clientError')).not.toContain(once);
    const later = (): void => {};
    server.on('clientError', later);
    sniffer.close();
    sniffer.close();
    expect(server.rawListeners('clientError')).toEqual([...originals, later]);
    server.removeAllListeners('clientError');
    const port = await listen(server);
    expect((await rawExchange(port, POLICY_REQUEST)).response).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('survives clients that reset mid-sniff', async () => {
    const port = await start();
    const { socket } = await openRaw(port);
    socket.write('<pol');
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.resetAndDestroy();
    expect(await rawExchange(port, POLICY_REQUEST)).toEqual({ response: ANY, closed: true });
  });
});
