import { openSocket, rawExchange, refusedStatus } from '@grappler/testkit';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG, STATE, Server } from '../src/index';

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('new Server([options], [fnHandleNormalHTTP], [fnAcceptClient])', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  const track = (server: Server): Server => {
    servers.push(server);
    return server;
  };

  it('exports LOG and STATE with the seed values', () => {
    expect(LOG).toEqual({ INFO: 1, WARN: 2, ERROR: 3 });
    expect(STATE).toEqual({ ACCEPTED: 1, TEMP: 2, PROTO_HTTP: 4, PROTO_WEBSOCKET: 8 });
  });

  it('broadcasts to every WebSocket client and emits connection with a Client', async () => {
    const server = track(new Server());
    const port = await listening(server);
    const clients: string[] = [];
    server.on('connection', (client) => clients.push(client.id));
    const sockets = await Promise.all([1, 2, 3].map(() => openSocket(`ws://127.0.0.1:${port}/`)));
    while (server.hub.size < 3) await new Promise((resolve) => setImmediate(resolve));
    server.broadcast('to all');
    for (const socket of sockets) expect(await socket.waitForMessages(1)).toEqual(['to all']);
    expect(clients).toHaveLength(3);
    for (const socket of sockets) await socket.close();
  });

  it('lets fnHandleNormalHTTP answer requests, and grappler takes the rest (404 without HTTP transports)', async () => {
    const server = track(
      new Server({}, (req, res) => {
        if (req.url === '/page') res.writeHead(200).end('the app');
      }),
    );
    const port = await listening(server);
    expect(await (await fetch(`http://127.0.0.1:${port}/page`)).text()).toBe('the app');
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('waits for a handler that returns a promise before deciding', async () => {
    const server = track(
      new Server(null, async (_req, res) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        res.writeHead(200).end('late but mine');
      }),
    );
    const port = await listening(server);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('late but mine');
  });

  it('drops a connection when fnAcceptClient returns false, before any byte (false handler allowed)', async () => {
    let calls = 0;
    const server = track(
      new Server({}, false, (socket) => {
        calls++;
        return socket.remoteAddress !== '127.0.0.1';
      }),
    );
    const port = await listening(server);
    const { response, closed } = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect({ response, closed, calls }).toEqual({ response: '', closed: true, calls: 1 });
    expect(server.hub.size).toBe(0);
  });

  it('checks origins with the seed syntax', async () => {
    const server = track(new Server({ origins: 'good.example:*' }));
    const port = await listening(server);
    expect(await refusedStatus(`ws://127.0.0.1:${port}/`, { origin: 'http://bad.example' })).toBe(403);
    const ok = await openSocket(`ws://127.0.0.1:${port}/`, { origin: 'http://good.example:1234' });
    await ok.close();
  });

  it('logs through the logger with LOG levels', async () => {
    const logged: [string, number][] = [];
    const server = track(new Server({ logger: (message, level) => logged.push([message, level]) }));
    const port = await listening(server);
    const socket = await openSocket(`ws://127.0.0.1:${port}/`);
    await socket.close();
    while (!logged.some(([m]) => m.includes('closed'))) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(logged.every(([, level]) => level === LOG.INFO)).toBe(true);
  });

  it('gives each client a working storage by default', async () => {
    const server = track(new Server());
    const port = await listening(server);
    const stored = new Promise<unknown>((resolve) =>
      server.on('connection', async (client) => {
        await client.storage.set('visits', 1);
        await client.storage.incr('visits');
        resolve(await client.storage.get('visits'));
      }),
    );
    const socket = await openSocket(`ws://127.0.0.1:${port}/`);
    expect(await stored).toBe(2);
    await socket.close();
  });

  it('close() severs clients with 1001 and the process exits by itself', async () => {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const fixture = fileURLToPath(new URL('./fixtures/close-exits.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', tsx, fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const ws = new WebSocket(`ws://127.0.0.1:${chunk.toString().trim()}/`);
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1001);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [exitCode, signal] = (await exited) as [number | null, string | null];
    clearTimeout(timer);
    expect({ exitCode, signal }).toEqual({ exitCode: 0, signal: null });
  });
});
