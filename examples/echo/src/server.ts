import { readFileSync } from 'node:fs';
import { Server } from 'grappler';

const page = readFileSync(new URL('../public/index.html', import.meta.url));

/** The seed's broadcast echo: whatever one client sends, every client receives. */
export function createEchoServer(): Server {
  const server = new Server({ origins: '*:*' }, (req, res) => {
    // Answer the page ourselves; anything else is left to grappler (the seed's fnHandleNormalHTTP).
    // A native EventSource asks for '/' too, with Accept: text/event-stream: that one is grappler's.
    const wantsPage = !req.headers.accept?.includes('text/event-stream') && !req.url?.includes('transport=');
    if (req.method === 'GET' && wantsPage && (req.url === '/' || req.url?.startsWith('/?'))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    }
  });
  server.on('connection', (client) => {
    client.on('message', (message) => server.broadcast(message));
  });
  return server;
}
