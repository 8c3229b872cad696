import { type Hub, createHub } from '@grappler/core';
import { memoryStorage } from '@grappler/storage-memory';
import { websocketTransport } from '@grappler/transport-websocket';
import express from 'express';
import { type Server, createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const page = fileURLToPath(new URL('../public/index.html', import.meta.url));

/** An Express 5 app with ordinary routes, and grappler on the same port at `/live`. */
export function createApp(): { app: express.Express; server: Server; hub: Hub } {
  // A path keeps grappler's upgrades apart from anything else the app might upgrade later.
  const hub = createHub({ storage: memoryStorage(), transports: [websocketTransport({ path: '/live' })], origins: '*:*' });
  const app = express();

  app.get('/', (_req, res) => res.sendFile(page));
  app.get('/api/health', (_req, res) => {
    res.json({ ok: true, clients: hub.size });
  });
  app.post('/api/announce', express.json(), (req, res) => {
    const text: unknown = req.body?.text;
    if (typeof text !== 'string' || text === '') {
      res.status(400).json({ error: 'expected a JSON body { "text": "..." }' });
      return;
    }
    hub.broadcast(text);
    res.json({ delivered: hub.size });
  });

  // Grappler's HTTP transports (SSE, long polling) answer here; anything else falls through
  // to next(). It must come before the 404 handling, or Express would answer first.
  app.use(hub.middleware());

  const server = createServer(app);
  // Upgrades never reach Express, so the hub takes them from the server itself; plain requests
  // are left to Express (requests: false), which already routes them through the middleware.
  // An upgrade on another path is refused with 400. hub.close() closes this server too.
  hub.attach(server, { requests: false });

  // Raw mode: a message from one client goes to every client, the sender included.
  hub.on('connection', (client) => {
    client.on('message', (data) => hub.broadcast(data));
  });

  return { app, server, hub };
}
