import { readFileSync } from 'node:fs';
import { Server } from 'grappler';

const page = readFileSync(new URL('../public/index.html', import.meta.url));

/** The seed's broadcast echo: whatever one client sends, every client receives. */
export function createEchoServer(): Server {
  const server = new Server({ origins: '*:*' }, (req, res) => {
    // Answer the page ourselves; anything else is left to grappler (the seed's fnHandleNormalHTTP).
    if (req.method === 'GET' && (req.url === '/' || req.url?.startsWith('/?'))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    }
  });
  server.on('connection', (client) => {
    client.on('message', (message) => server.broadcast(message));
  });
  return server;
}
