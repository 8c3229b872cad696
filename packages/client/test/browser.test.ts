import { closeServer, openBrowser } from '@grappler/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TransportName } from '../src/index';
import { type PageServer, ensureBuilt, startPageServer, startProxy } from './browser-helpers';
import { sleep, waitUntil } from './helpers';

type Browser = Awaited<ReturnType<typeof openBrowser>>;
/** playwright-core's Page, named through testkit (the client does not depend on playwright-core). */
type Page = Awaited<ReturnType<Browser['context']['newPage']>>;

let browser: Browser;
let server: PageServer | undefined;
let page: Page | undefined;
const proxies: Parameters<typeof closeServer>[0][] = [];

beforeAll(async () => {
  ensureBuilt();
  browser = await openBrowser();
}, 120_000);
afterAll(() => browser?.close());
afterEach(async () => {
  await page?.evaluate(() => (window as unknown as { client?: { close(): void } }).client?.close());
  await page?.close();
  page = undefined;
  for (const proxy of proxies.splice(0)) await closeServer(proxy);
  // Chromium may hold a preconnected socket that never sent a request: the server would wait for it.
  server?.dropConnections();
  await server?.hub.close();
  server = undefined;
});

/** Opens `path` of `base` and waits until its client is open; resolves with the transport in use. */
async function openPage(base: string, path: string): Promise<TransportName> {
  page = await browser.context.newPage();
  await page.goto(`${base}${path}`);
  await page.waitForFunction(() => (window as unknown as { client?: { state: string } }).client?.state === 'open', undefined, { timeout: 15_000 });
  return page.evaluate(() => (window as unknown as { client: { transport: TransportName } }).client.transport);
}

const received = (): Promise<unknown[]> => page!.evaluate(() => (window as unknown as { received: unknown[] }).received);

const HTTP: TransportName[] = ['sse', 'xhr-multipart', 'longpoll'];

describe.each<TransportName>(['websocket', ...HTTP])('%s forced alone in Chromium', (name) => {
  it('opens on it, receives a broadcast, and sends a message the server sees', async () => {
    server = await startPageServer();
    expect(await openPage(server.base, `/iife.html?transport=${name}`)).toBe(name);
    expect(server.clients.map((client) => client.transport)).toEqual([name]);
    server.hub.broadcast('hello, browser');
    await page!.waitForFunction(() => (window as unknown as { received: unknown[] }).received.includes('hello, browser'));
    await page!.evaluate(() => (window as unknown as { client: { send(data: string): void } }).client.send('hello, server'));
    await waitUntil(() => server!.received.length === 1, 'the message on the server');
    expect(server.received).toEqual(['hello, server']);
  });
});

describe.each<TransportName>(['websocket', ...HTTP])('%s in Chromium across dropped connections', (name) => {
  it('ends with exactly 1..1000, in order, with no gap, while the server drops the connection and keeps broadcasting', async () => {
    server = await startPageServer();
    await openPage(server.base, `/iife.html?transport=${name}`);
    const count = 1000;
    for (let i = 1; i <= count; i++) {
      server.hub.broadcast(String(i));
      if (i % 250 === 125) server.dropConnections();
      if (i % 20 === 0) await sleep(2);
    }
    await page!.waitForFunction((n) => (window as unknown as { received: unknown[] }).received.length >= n, count, { timeout: 20_000 });
    await sleep(100); // a duplicate would arrive about now
    expect(await received()).toEqual(Array.from({ length: count }, (_, i) => String(i + 1)));
    expect(await page!.evaluate(() => (window as unknown as { gaps: unknown[] }).gaps)).toEqual([]);
    // A cut held poll that had no answer yet may be retried by Chromium itself, unseen by the page.
    const reconnects = await page!.evaluate(() => (window as unknown as { reconnects: number }).reconnects);
    if (name !== 'longpoll') expect(reconnects).toBeGreaterThanOrEqual(1);
    expect(server.clients).toHaveLength(1); // one client, resumed each time
  });
});

describe('fallback in Chromium behind a proxy', () => {
  it('ends up on SSE when the proxy refuses WebSocket upgrades, and receives a broadcast', async () => {
    server = await startPageServer();
    const proxy = await startProxy(server.base);
    proxies.push(proxy.server);
    expect(await openPage(proxy.base, '/iife.html')).toBe('sse');
    expect(await page!.evaluate(() => (window as unknown as { errors: string[] }).errors)).toEqual(['ERR_CONNECT']);
    server.hub.broadcast('through the proxy');
    await page!.waitForFunction(() => (window as unknown as { received: unknown[] }).received.includes('through the proxy'));
  });

  it('ends up on XHR multipart when the proxy refuses SSE too', async () => {
    server = await startPageServer();
    const proxy = await startProxy(server.base, { refuseSse: true });
    proxies.push(proxy.server);
    expect(await openPage(proxy.base, '/iife.html')).toBe('xhr-multipart');
    expect(await page!.evaluate(() => (window as unknown as { errors: string[] }).errors)).toEqual(['ERR_CONNECT', 'ERR_CONNECT']);
    server.hub.broadcast('streamed through the proxy');
    await page!.waitForFunction(() => (window as unknown as { received: unknown[] }).received.includes('streamed through the proxy'));
  });
});

describe('the builds in Chromium', () => {
  it.each(['/iife.html', '/esm.html'])('%s loads the client and connects with the default order', async (path) => {
    server = await startPageServer();
    expect(await openPage(server.base, path)).toBe('websocket');
    server.hub.broadcast('built');
    await page!.waitForFunction(() => (window as unknown as { received: unknown[] }).received.includes('built'));
  });
});
