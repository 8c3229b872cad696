import type { Hub } from '@grappler/core';
import { type RecordingSocket, listen, openSocket, refusedStatus } from '@grappler/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';

describe('examples/express', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A real server on 127.0.0.1, port 0; hub.close() closes it too. */
  async function start(): Promise<{ base: string; live: string; hub: Hub }> {
    const { server, hub } = createApp();
    const port = await listen(server);
    cleanups.push(() => hub.close());
    return { base: `http://127.0.0.1:${port}`, live: `ws://127.0.0.1:${port}/live`, hub };
  }

  async function connect(url: string): Promise<RecordingSocket> {
    const socket = await openSocket(url);
    cleanups.push(() => socket.ws.terminate());
    return socket;
  }

  /** The client's 'open' and the hub's registry need not agree on timing: poll the count. */
  async function waitForClients(hub: Hub, count: number): Promise<void> {
    await expect.poll(() => hub.size).toBe(count);
  }

  it('serves the page and the health route next to grappler; health counts WebSocket clients', async () => {
    const { base, live, hub } = await start();

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain("'/live'");

    expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ ok: true, clients: 0 });
    await connect(live);
    await connect(live);
    await waitForClients(hub, 2);
    expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ ok: true, clients: 2 });
  });

  it('POST /api/announce reaches every WebSocket client', async () => {
    const { base, live, hub } = await start();
    const sockets = [await connect(live), await connect(live), await connect(live)];
    await waitForClients(hub, 3);

    const response = await fetch(`${base}/api/announce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'deploy at noon' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ delivered: 3 });
    for (const socket of sockets) expect(await socket.waitForMessages(1)).toEqual(['deploy at noon']);
  });

  it('POST /api/announce without a text is a 400 and sends nothing', async () => {
    const { base, live, hub } = await start();
    const socket = await connect(live);
    await waitForClients(hub, 1);

    const response = await fetch(`${base}/api/announce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nope: true }),
    });
    expect(response.status).toBe(400);
    hub.broadcast('marker');
    expect(await socket.waitForMessages(1)).toEqual(['marker']);
  });

  it('broadcasts a WebSocket message to every client, the sender included', async () => {
    const { live, hub } = await start();
    const [alice, bob] = [await connect(live), await connect(live)];
    await waitForClients(hub, 2);

    alice.ws.send('hello from alice');
    expect(await alice.waitForMessages(1)).toEqual(['hello from alice']);
    expect(await bob.waitForMessages(1)).toEqual(['hello from alice']);
  });

  it("leaves unknown routes to Express's own 404", async () => {
    const { base } = await start();
    const response = await fetch(`${base}/no/such/route`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('Cannot GET /no/such/route');
  });

  it('refuses an upgrade on another path while /live keeps working', async () => {
    const { base, live, hub } = await start();
    expect(await refusedStatus(live.replace('/live', '/elsewhere'))).toBe(400);
    expect(await refusedStatus(live.replace('/live', '/'))).toBe(400);
    expect(hub.size).toBe(0);

    const socket = await connect(live);
    await waitForClients(hub, 1);
    socket.ws.send('still here');
    expect(await socket.waitForMessages(1)).toEqual(['still here']);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
  });

  it('closes clients and the server with the hub', async () => {
    const { server, hub } = createApp();
    const port = await listen(server);
    const socket = await openSocket(`ws://127.0.0.1:${port}/live`);
    cleanups.push(() => socket.ws.terminate());
    await waitForClients(hub, 1);

    const closed = new Promise<number>((resolve) => socket.ws.once('close', (code) => resolve(code)));
    await hub.close();
    expect(await closed).toBe(1001);
    expect(server.listening).toBe(false);
  });
});
