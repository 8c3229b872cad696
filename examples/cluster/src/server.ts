import { readFileSync } from 'node:fs';
import { redisLog, redisStorage } from '@grappler/storage-redis';
import { Server } from 'grappler';

const page = readFileSync(new URL('../public/index.html', import.meta.url), 'utf8');

/**
 * One node of the cluster: a grappler Server whose storage and message log are in Redis, so
 * that a message sent to any node reaches the clients of every node. What a client sends is
 * broadcast; the page shows which node sent each message (the first part of its id) and which
 * delivered it (the node the page is connected to).
 */
export function createClusterNode(options: { nodeId: string; redisUrl: string; keyPrefix?: string }): Server {
  const { nodeId, redisUrl, keyPrefix = 'grappler-cluster:' } = options;
  const html = page.replaceAll('{{NODE}}', nodeId);
  const server = new Server(
    {
      nodeId,
      storage: redisStorage({ url: redisUrl, keyPrefix }),
      sharedLog: redisLog({ url: redisUrl, keyPrefix }),
    },
    (req, res) => {
      // Page loads ask for text/html; grappler's client never does (see examples/echo).
      const wantsPage = req.method === 'GET' && (req.headers.accept?.includes('text/html') ?? false);
      if (wantsPage && req.url?.split('?', 1)[0] === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
      }
    },
  );
  server.on('connection', (client) => {
    client.on('message', (data) => server.broadcast(data));
  });
  server.on('error', (error) => console.error(`${nodeId}: ${error.message}`));
  return server;
}
