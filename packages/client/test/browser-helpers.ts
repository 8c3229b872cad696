/**
 * What the Chromium tests serve: the built client (IIFE and ESM), two pages that use it, a hub
 * with all four transports, and a proxy that can refuse WebSocket upgrades or SSE.
 *
 *   Chromium --page, script--> app listener (pages and dist/ files)
 *            --/live?transport=…--> hub (its four transports)        [optionally through the proxy]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type Client as HubClient, type Hub, createHub } from '@grappler/core';
import { listen } from '@grappler/testkit';
import { SERVER_TRANSPORTS, observeServer } from './helpers';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const IIFE = `${PACKAGE}dist/grappler.iife.js`;
const ESM = `${PACKAGE}dist/index.js`;

/** Builds the client when a build is missing; never rebuilds (tsup empties dist/ first, and other tests may be reading it). */
export function ensureBuilt(): void {
  if (existsSync(IIFE) && existsSync(ESM)) return;
  execFileSync('npx', ['tsup'], { cwd: PACKAGE, stdio: 'ignore' });
}

/** The pages' script: `connect` comes from the IIFE global or the ESM import; `?transport=` forces one. */
const PAGE_SCRIPT = `
  const forced = new URLSearchParams(location.search).get('transport');
  window.received = [];
  window.errors = [];
  window.gaps = [];
  window.reconnects = 0;
  window.client = connect(location.origin + '/live', {
    reconnectDelayMs: 50,
    maxReconnectDelayMs: 200,
    ...(forced ? { transports: [forced] } : {}),
  });
  window.client.on('message', (data) => window.received.push(data));
  window.client.on('error', (error) => window.errors.push(error.code));
  window.client.on('gap', (gap) => window.gaps.push(gap));
  window.client.on('reconnect', () => window.reconnects++);
`;

const PAGES: Record<string, string> = {
  '/iife.html': `<!doctype html><meta charset="utf-8"><script src="/grappler.iife.js"></script>
<script>const { connect } = Grappler;${PAGE_SCRIPT}</script>`,
  '/esm.html': `<!doctype html><meta charset="utf-8">
<script type="module">import { connect } from '/esm/index.js';${PAGE_SCRIPT}</script>`,
};

/** Serves the pages and the built files; false for anything else. */
function serveApp(req: IncomingMessage, res: ServerResponse): boolean {
  const pathname = new URL(req.url ?? '/', 'http://x').pathname;
  const page = PAGES[pathname];
  if (page !== undefined) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page);
    return true;
  }
  const file = pathname === '/grappler.iife.js' ? IIFE : pathname === '/esm/index.js' ? ESM : undefined;
  if (file === undefined) return false;
  res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' }).end(readFileSync(file));
  return true;
}

export interface PageServer {
  hub: Hub;
  server: Server;
  base: string;
  /** Server-side clients, in connection order. */
  clients: HubClient[];
  /** Every message the server's clients received, in order. */
  received: string[];
  /** Cuts every TCP connection the server holds: the page's streams, held polls and idle keep-alives. */
  dropConnections(): void;
}

/**
 * A hub with all four transports on 127.0.0.1, port 0, whose server also serves the pages. The app
 * listener goes first (`requests: false`): a page URL carries `?transport=`, which the hub would claim.
 */
export async function startPageServer(): Promise<PageServer> {
  const server = createServer();
  const hub = createHub({ pingInterval: 1000, transports: Object.values(SERVER_TRANSPORTS).map((make) => make()) });
  hub.attach(server, { requests: false });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!serveApp(req, res) && !hub.handleRequest(req, res)) res.writeHead(404).end();
  });
  const observed = observeServer(server, hub);
  const port = await listen(server);
  return {
    hub,
    server,
    base: `http://127.0.0.1:${port}`,
    ...observed,
  };
}

/**
 * A forwarding HTTP proxy in front of `target` that refuses every WebSocket upgrade with 403, as
 * some corporate proxies do, and with `refuseSse` also refuses SSE requests.
 */
export async function startProxy(target: string, options: { refuseSse?: boolean } = {}): Promise<{ server: Server; base: string }> {
  const { hostname, port } = new URL(target);
  const server = createServer((req, res) => {
    const sse = (req.headers.accept ?? '').includes('text/event-stream') || new URL(req.url ?? '/', 'http://x').searchParams.get('transport') === 'sse';
    if (options.refuseSse && sse) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Forbidden\n');
      return;
    }
    const upstream = request({ hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res); // chunk by chunk: streams stay streams
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  const port2 = await listen(server);
  return { server, base: `http://127.0.0.1:${port2}` };
}
