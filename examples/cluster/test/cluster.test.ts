import { openBrowser, startRedis, waitUntil } from '@grappler/testkit';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port';
import { createClusterNode } from '../src/server';

interface RunningCluster {
  readonly main: ChildProcess;
  readonly exited: Promise<unknown>;
  /** `http://127.0.0.1:<port>` of node-1, node-2 and node-3, as they printed them. */
  readonly bases: string[];
  readonly redisPort: number;
}

/**
 * Runs `src/main.ts` with BASE_PORT=0, so each node takes a free port and prints it: a fixed
 * port next to a probed one may be any other test's by the time a node binds it. Resolves once
 * all three have printed their address; rejects, with what main printed, if it exits first.
 */
async function startCluster(redisPort: number): Promise<RunningCluster> {
  const main = runMain({ BASE_PORT: '0', REDIS_PORT: String(redisPort) });
  const exited = once(main, 'exit');
  let output = '';
  main.stderr!.on('data', (data: Buffer) => {
    output += data.toString();
  });
  const bases = await new Promise<string[]>((resolve, reject) => {
    main.stdout!.on('data', (data: Buffer) => {
      output += data.toString();
      const found = [1, 2, 3].map((index) => new RegExp(`node-${index}: (http://127\\.0\\.0\\.1:\\d+)/`).exec(output)?.[1]);
      if (found.every((base) => base !== undefined)) resolve(found as string[]);
    });
    main.once('exit', (code) => reject(new Error(`src/main.ts exited with code ${code} before its nodes listened:\n${output}`)));
  });
  return { main, exited, bases, redisPort };
}

/** `src/main.ts` as a process with `env` added, its output piped. */
function runMain(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', new URL('../src/main.ts', import.meta.url).pathname], {
    env: { ...process.env, ...env },
    cwd: new URL('..', import.meta.url).pathname, // where `tsx` is installed
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Stops a `src/main.ts` still running (a failed test), which stops its nodes and Redis. */
async function stopMain(main: ChildProcess): Promise<void> {
  if (main.exitCode !== null || main.signalCode !== null) return;
  const exited = once(main, 'exit');
  main.kill('SIGTERM');
  await exited;
}

/** Whether something accepts a TCP connection on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// The pages load /grappler/client.js, which grappler serves from @grappler/client's build:
// build it first (`pnpm --filter @grappler/client build`; the root `test` script does).

describe('examples/cluster', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Runs `src/main.ts` with `env` added until it exits by itself: its exit code and what it printed to stderr. */
  async function runMainToExit(env: Record<string, string>): Promise<{ code: number | null; errors: string }> {
    const main = runMain(env);
    cleanups.push(() => stopMain(main));
    let errors = '';
    main.stderr!.on('data', (data: Buffer) => {
      errors += data.toString();
    });
    const [code] = (await once(main, 'exit')) as [number | null];
    return { code, errors };
  }

  it('one command starts Redis and three node processes that act as one, and stops them all', async () => {
    // The Redis port is probed, so another process may take it first; main then exits, and we try again.
    let cluster: RunningCluster | undefined;
    for (let attempt = 1; cluster === undefined; attempt++) {
      try {
        cluster = await startCluster(await freePort());
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    const { main, exited, bases, redisPort } = cluster;
    cleanups.push(() => stopMain(main));
    // Every node answers its page, naming itself.
    const pages = await Promise.all(bases.map((base) => fetch(`${base}/`, { headers: { accept: 'text/html' } }).then((r) => r.text())));
    for (const [index, page] of pages.entries()) expect(page).toContain(`served by <strong id="node">node-${index + 1}</strong>`);
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
    await waitUntil(async () => (await Promise.all(bases.map((base) => fetch(`${base}/`).then(() => true, () => false)))).every((up) => !up), 'the nodes gone', 10_000);
    await waitUntil(async () => !(await listening(redisPort)), 'Redis gone', 10_000);
  }, 60_000);

  it('stops every node and Redis, exiting with 1, when a node cannot listen (its port is taken)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const basePort = (taken.address() as AddressInfo).port; // node-1's port, already in use
    const redisPort = await freePort();
    const { code, errors } = await runMainToExit({ BASE_PORT: String(basePort), REDIS_PORT: String(redisPort) });
    expect(code).toBe(1);
    expect(errors).toContain(`node-1: cannot listen on 127.0.0.1:${basePort}`);
    expect(errors).toContain('grappler cluster: node-1 exited (code 1); stopping the others');
    await waitUntil(async () => !(await listening(redisPort)), 'Redis gone', 10_000);
  }, 60_000);

  it('refuses a Redis port where another Redis already answers, rather than share its data', async () => {
    const other = await startRedis();
    cleanups.push(() => other.stop());
    const { code, errors } = await runMainToExit({ BASE_PORT: '0', REDIS_PORT: String(other.port) });
    expect(code).toBe(1);
    expect(errors).toMatch(/another Redis \(process \d+\) already listens on port \d+|redis-server exited with code 1/);
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
