import { readFileSync } from 'node:fs';
import { Server } from 'grappler';

const page = readFileSync(new URL('../public/index.html', import.meta.url));

/** The seed's broadcast echo: whatever one client sends, every client receives. */
export function createEchoServer(): Server {
  const server = new Server({ origins: '*:*' }, (req, res) => {
    // Answer the page ourselves; anything else is left to grappler (the seed's fnHandleNormalHTTP):
    // the client script at /grappler/client.js and the client's own requests, which also go to '/'.
    // The query cannot tell them apart ('/?transport=sse' is both a page load that forces SSE and the
    // client's SSE stream), but a browser navigating to a page sends Accept: text/html, and grappler's
    // client (fetch: */*, or text/event-stream for SSE) never does.
    const wantsPage = req.headers.accept?.includes('text/html') ?? false;
    const pathname = req.url?.split('?', 1)[0];
    if (req.method === 'GET' && wantsPage && pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    }
  });
  server.on('connection', (client) => {
    client.on('message', (message) => server.broadcast(message));
  });
  return server;
}
