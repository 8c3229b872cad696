import type { Hub } from '@grappler/core';
import { openBrowser, waitUntil } from '@grappler/testkit';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHub } from './helpers';

/**
 * The page loads with `Accept: text/html`, so `GET /` is the application's; the EventSource it
 * opens sends `Accept: text/event-stream` to the same URL, which the hub claims for SSE.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<ul id="messages"></ul>
<script>
  const source = new EventSource('/');
  source.onmessage = (event) => {
    const item = document.createElement('li');
    item.textContent = event.data;
    document.getElementById('messages').append(item);
  };
</script>`;

describe('a native EventSource in headless Chromium', () => {
  let hub: Hub | undefined;
  let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await hub?.close();
    hub = undefined;
  });

  /** A hub whose server also serves the page (what the hub does not claim), and Chromium showing it. */
  async function openPage(retryMs?: number) {
    const sockets: Socket[] = [];
    const lastEventIds: (string | string[] | undefined)[] = [];
    const started = await startHub({
      sse: retryMs === undefined ? {} : { retryMs },
      app: (req, res) => {
        if (req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
        else res.writeHead(404).end();
      },
    });
    hub = started.hub;
    started.server.on('connection', (socket) => sockets.push(socket));
    started.server.on('request', (req) => {
      if (req.headers.accept?.includes('text/event-stream')) lastEventIds.push(req.headers['last-event-id']);
    });
    browser = await openBrowser();
    const page = await browser.context.newPage();
    await page.goto(`${started.base}/`);
    await waitUntil(() => started.hub.size === 1, 'the EventSource to connect', 15_000);
    const shown = async (count: number): Promise<string[]> => {
      await page.waitForFunction(`document.querySelectorAll('#messages li').length >= ${count}`);
      return page.locator('#messages li').allTextContents();
    };
    return { hub: started.hub, sockets, lastEventIds, shown };
  }

  it('receives a broadcast with no grappler code in the page', async () => {
    const { hub, shown } = await openPage();
    expect(hub.map((client) => client.transport)).toEqual(['sse']);
    hub.broadcast('hello, browser');
    hub.broadcast('line one\nline two');
    expect(await shown(2)).toEqual(['hello, browser', 'line one\nline two']);
  });

  it('reconnects with Last-Event-ID after a dropped connection and misses nothing', async () => {
    const { hub, sockets, lastEventIds, shown } = await openPage(50);
    const [client] = hub.map((c) => c);
    hub.broadcast('before');
    expect(await shown(1)).toEqual(['before']);
    for (const socket of sockets) socket.destroy();
    hub.broadcast('while away');
    expect(await shown(2)).toEqual(['before', 'while away']);
    hub.broadcast('after');
    expect(await shown(3)).toEqual(['before', 'while away', 'after']);
    // Still the one session and Client: the browser came back with the id of the last event it saw.
    expect(hub.map((c) => c)).toEqual([client]);
    expect(lastEventIds).toEqual([undefined, expect.stringMatching(/^[A-Za-z0-9_-]{24}\.1$/)]);
  });
});
