import { openBrowser } from '@grappler/testkit';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEchoServer } from '../src/server';

describe('examples/echo in headless Chromium', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('shows a message typed in one page in both pages', async () => {
    const server = createEchoServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const { port } = server.address() as AddressInfo;
    const browser = await openBrowser();
    cleanups.push(() => browser.close());

    const first = await browser.context.newPage();
    const second = await browser.context.newPage();
    for (const page of [first, second]) {
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForSelector('body[data-state="open"]');
    }
    await first.fill('#text', 'hello from the first tab');
    await first.click('button');

    for (const page of [first, second]) {
      await page.waitForSelector('#log li');
      expect(await page.locator('#log li').allTextContents()).toEqual(['hello from the first tab']);
    }
  });
});
