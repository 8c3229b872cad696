import { openBrowser, startRedis, waitUntil } from '@grappler/testkit';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port';
import { createClusterNode } from '../src/server';

/** Polls an asynchronous condition every 100 ms until it holds; rejects after `timeoutMs`. */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The pages load /grappler/client.js, which grappler serves from @grappler/client's build:
// build it first (`pnpm --filter @grappler/client build`; the root `test` script does).

describe('examples/cluster', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('one command starts Redis and three node processes that act as one, and stops them all', async () => {
    const [basePort, redisPort] = [await freePort(), await freePort()];
    const main = spawn(process.execPath, ['--import', 'tsx', new URL('../src/main.ts', import.meta.url).pathname], {
      env: { ...process.env, BASE_PORT: String(basePort), REDIS_PORT: String(redisPort) },
      cwd: new URL('..', import.meta.url).pathname, // where `tsx` is installed
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(main, 'exit');
    cleanups.push(() => {
      if (main.exitCode === null) main.kill('SIGTERM');
      return exited;
    });
    const bases = [0, 1, 2].map((offset) => `http://127.0.0.1:${basePort + offset}`);
    // Every node answers its page, naming itself.
    await until(
      async () => {
        const pages = await Promise.all(bases.map((base) => fetch(`${base}/`, { headers: { accept: 'text/html' } }).then((r) => r.text(), () => '')));
        return pages.every((page, index) => page.includes(`served by <strong id="node">node-${index + 1}</strong>`));
      },
      'three nodes',
      30_000,
    );
    // A long-poll client on node 3 receives what a POST on node 1 made node 1 broadcast.
    const first = (await (await fetch(`${bases[0]}/?transport=longpoll`)).json()) as { session: string };
    const third = (await (await fetch(`${bases[2]}/?transport=longpoll`)).json()) as { session: string; seq: number };
    const poll = fetch(`${bases[2]}/?transport=longpoll&session=${third.session}&seq=${third.seq}`).then((r) => r.json() as Promise<{ messages: string[] }>);
    const posted = await fetch(`${bases[0]}/?transport=longpoll&session=${first.session}`, { method: 'POST', body: 'hello from node 1' });
    expect(posted.status).toBe(204);
    expect((await poll).messages).toEqual(['hello from node 1']);

    main.kill('SIGTERM');
    await exited;
    // Nothing is left listening: the nodes and Redis are gone.
    await until(async () => (await Promise.all(bases.map((base) => fetch(`${base}/`).then(() => true, () => false)))).every((up) => !up), 'the nodes gone', 10_000);
  }, 60_000);

  it('shows in each node\'s page which node sent and which delivered each message (Chromium)', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const keyPrefix = `page-${Date.now()}:`; // one log for both nodes
    const nodes = ['node-1', 'node-2'].map((nodeId) => createClusterNode({ nodeId, redisUrl: redis.url, keyPrefix }));
    const bases: string[] = [];
    for (const node of nodes) {
      await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => node.close());
      bases.push(`http://127.0.0.1:${(node.address() as AddressInfo).port}`);
    }
    const browser = await openBrowser();
    cleanups.push(() => browser.close());
    const pages = [];
    for (const base of bases) {
      const page = await browser.context.newPage();
      await page.goto(`${base}/`);
      await page.waitForSelector('body[data-state="open"]');
      pages.push(page);
    }
    await waitUntil(() => nodes.every((node) => node.hub.size === 1), 'both pages connected');
    await pages[0]!.fill('#text', 'typed on node 1');
    await pages[0]!.press('#text', 'Enter');
    for (const [index, page] of pages.entries()) {
      await page.locator('#log li').first().waitFor();
      expect(await page.locator('#log li').allTextContents()).toEqual([`typed on node 1 (sent by node-1, delivered by node-${index + 1})`]);
    }
  }, 60_000);
});
