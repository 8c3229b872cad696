import { openBrowser } from '@grappler/testkit';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEchoServer } from '../src/server';

// The page loads /grappler/client.js, which grappler serves from @grappler/client's build:
// build it first (`pnpm --filter @grappler/client build`; the root `test` script does).
describe('examples/echo in headless Chromium', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Opens the page at `search` in two tabs, types in the first, and returns what each tab shows. */
  async function echoInTwoPages(search: string): Promise<{ transports: string[]; logs: string[][] }> {
    const server = createEchoServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const { port } = server.address() as AddressInfo;
    const browser = await openBrowser();
    cleanups.push(() => browser.close());

    const first = await browser.context.newPage();
    const second = await browser.context.newPage();
    for (const page of [first, second]) {
      await page.goto(`http://127.0.0.1:${port}/${search}`);
      await page.waitForSelector('body[data-state="open"]');
    }
    // Both tabs' connections must be registered before the broadcast, or one could miss it.
    while (server.hub.size < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await first.fill('#text', 'hello from the first tab');
    await first.click('button');

    const logs: string[][] = [];
    for (const page of [first, second]) {
      await page.waitForSelector('#log li');
      logs.push(await page.locator('#log li').allTextContents());
    }
    const transports = await Promise.all([first, second].map((page) => page.locator('#transport').textContent()));
    return { transports: transports.map(String), logs };
  }

  it('shows a message typed in one page in both pages', async () => {
    const { transports, logs } = await echoInTwoPages('');
    expect(transports).toEqual(['websocket', 'websocket']);
    expect(logs).toEqual([['hello from the first tab'], ['hello from the first tab']]);
  });

  for (const transport of ['websocket', 'sse', 'xhr-multipart', 'longpoll']) {
    it(`shows a message typed in one page in both pages over ${transport} forced by ?transport=${transport}`, async () => {
      const { transports, logs } = await echoInTwoPages(`?transport=${transport}`);
      expect(transports).toEqual([transport, transport]);
      expect(logs).toEqual([['hello from the first tab'], ['hello from the first tab']]);
    });
  }
});
