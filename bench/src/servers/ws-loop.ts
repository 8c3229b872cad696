/**
 * The baseline most Node code writes: `ws` 8.18.3 with its defaults (no compression) on a plain
 * HTTP server, a broadcast being `ws.send(message)` for each client (ws frames it per socket).
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import type { BenchServer } from './types.js';

export function wsLoopServer(): BenchServer & { wss: WebSocketServer } {
  const httpServer = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ server: httpServer });
  let closed = 0;
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', () => closed++);
  });
  return {
    wss,
    httpServer,
    clients: () => wss.clients.size,
    closedClients: () => closed,
    broadcast(text) {
      for (const ws of wss.clients) ws.send(text);
    },
  };
}
