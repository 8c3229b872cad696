import { openBrowser } from '@grappler/testkit';

type Page = Awaited<ReturnType<Awaited<ReturnType<typeof openBrowser>>['context']['newPage']>>;
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, createChatServer } from '../src/server';

// The page loads /grappler/client.js, which grappler serves from @grappler/client's build:
// build it first (`pnpm --filter @grappler/client build`; the root `test` script does).
describe('examples/chat in headless Chromium, two users', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Logs `name` in with a browser of its own (its own cookies) and waits until it is in the lobby. */
  async function logIn(base: string, name: string, search = ''): Promise<Page> {
    const browser = await openBrowser();
    cleanups.push(() => browser.close());
    const page = await browser.context.newPage();
    await page.goto(`${base}/${search}`);
    await page.fill('#name', name);
    await page.click('button');
    // One page load after the log-in (the forced transport kept): a second would leave a client behind.
    await page.waitForURL(`${base}/${search}`);
    await page.waitForSelector('body[data-state="open"]');
    return page;
  }

  const lines = (page: Page): Promise<string[]> => page.locator('#log li').allTextContents();

  async function waitForLine(page: Page, text: string): Promise<void> {
    await page.locator('#log li', { hasText: text }).first().waitFor();
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
  }

  for (const transport of ['websocket', 'longpoll']) {
    it(`rooms, notices, an ignore list and refusals over ${transport}`, async () => {
      const server = createChatServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => server.close());
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const search = `?transport=${transport}`;

      // Without the cookie the server's identify hook refuses a connection.
      expect((await fetch(`${base}/?transport=longpoll`)).status).toBe(403);

      const ada = await logIn(base, 'ada', search);
      const bob = await logIn(base, 'bob', search);
      expect(await ada.locator('#transport').textContent()).toBe(transport);
      await waitForLine(ada, '[lobby] bob joined lobby');
      expect([...server.channel('lobby').members].map((client) => (client.user as { name: string }).name).sort()).toEqual(['ada', 'bob']);

      await say(ada, 'hello bob');
      await waitForLine(bob, '[lobby] ada: hello bob');
      await waitForLine(ada, '[lobby] ada: hello bob');

      // Bob ignores ada: the filter keeps her messages from him, not his from her.
      await bob.fill('#ignore', 'ada');
      await bob.press('#ignore', 'Enter');
      await expect.poll(() => server.hub.map((client) => client.user).length).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the ignore message reaches the server
      await say(ada, 'are you there, bob?');
      await say(bob, 'I cannot hear ada');
      await waitForLine(ada, '[lobby] bob: I cannot hear ada');
      await waitForLine(ada, '[lobby] ada: are you there, bob?');
      await waitForLine(bob, '[lobby] bob: I cannot hear ada');
      expect(await lines(bob)).not.toContain('[lobby] ada: are you there, bob?');

      // beforePublish refuses an over-long message: the sender is told why, no one receives it.
      await say(ada, 'x'.repeat(MAX_MESSAGE_LENGTH + 1));
      await expect.poll(() => ada.locator('#errors').textContent()).toBe(`ERR_FORBIDDEN: a message is at most ${MAX_MESSAGE_LENGTH} characters`);

      // A second room: only its members get what is said there; leaving is announced.
      await ada.fill('#room', 'garden');
      await ada.press('#room', 'Enter');
      await waitForLine(ada, '[garden] ada joined garden');
      await say(ada, 'only in the garden');
      await waitForLine(ada, '[garden] ada: only in the garden');
      await ada.click('[data-leave="lobby"]');
      await waitForLine(bob, '[lobby] ada left lobby');
      expect((await lines(bob)).some((line) => line.includes('garden'))).toBe(false);
      expect(server.channel('lobby').size).toBe(1);
    });
  }
});
