import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOG, type LogLevel, Server } from '../src/index';
import { clientFile, serveClient } from '../src/serve-client';

const root = fileURLToPath(new URL('../../..', import.meta.url));

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the served browser client', () => {
  beforeAll(() => {
    // The IIFE is a build output: build it when an earlier step has not. Never rebuild an existing
    // one: tsup empties dist first, and the echo example's browser tests may be loading it meanwhile.
    if (existsSync(clientFile())) return;
    execFileSync('npx', ['--yes', 'pnpm@10', '--filter', '@grappler/client', 'build'], { cwd: root, stdio: 'ignore', timeout: 120_000 });
  }, 120_000);

  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  const track = (server: Server): Server => {
    servers.push(server);
    return server;
  };

  it('serves grappler.iife.js at /grappler/client.js with type, cache headers and an ETag', async () => {
    const base = await listening(track(new Server()));
    const res = await fetch(`${base}/grappler/client.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(res.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(await res.text()).toContain('Grappler');
  });

  it('answers 304 when If-None-Match carries the ETag', async () => {
    const base = await listening(track(new Server()));
    const etag = (await fetch(`${base}/grappler/client.js`)).headers.get('etag') ?? '';
    const res = await fetch(`${base}/grappler/client.js`, { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe(etag);
    expect(await res.text()).toBe('');
  });

  it('serves it at clientPath, and not at all with clientPath: false', async () => {
    const moved = await listening(track(new Server({ clientPath: '/js/live.js' })));
    expect((await fetch(`${moved}/js/live.js`)).status).toBe(200);
    expect((await fetch(`${moved}/grappler/client.js`)).status).toBe(404);
    const off = await listening(track(new Server({ clientPath: false })));
    expect((await fetch(`${off}/grappler/client.js`)).status).toBe(404);
  });

  it('leaves the path to fnHandleNormalHTTP when it answers first', async () => {
    const base = await listening(track(new Server(null, (_req, res) => res.writeHead(200).end('mine'))));
    expect(await (await fetch(`${base}/grappler/client.js`)).text()).toBe('mine');
  });

  it('answers 503 and logs at LOG.WARN when the client is not built', async () => {
    const logged: [string, LogLevel][] = [];
    const handle = serveClient({ path: '/c.js', file: '/nonexistent/grappler.iife.js', logger: (m, l) => logged.push([m, l]) });
    const http = createServer((req, res) => {
      if (!handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/c.js`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('pnpm --filter @grappler/client build');
      expect(logged).toHaveLength(1);
      expect(logged[0]?.[1]).toBe(LOG.WARN);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
