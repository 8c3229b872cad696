/**
 * SockJS 0.3.24 (the Node server) with its defaults under the prefix `/sockjs`; the load generator
 * uses its xhr-streaming transport. A broadcast is `conn.write(text)` for each connection; what a
 * client sends is written back to it (echo).
 */
import { createServer } from 'node:http';
import sockjs from 'sockjs';
import { SOCKJS_PREFIX } from '../protocol.js';
import type { BenchServer } from './types.js';

export function sockjsServer(): BenchServer {
  const httpServer = createServer();
  const service = sockjs.createServer({ prefix: SOCKJS_PREFIX, log: () => {} });
  const connections = new Set<sockjs.Connection>();
  let closed = 0;
  service.on('connection', (conn: sockjs.Connection) => {
    connections.add(conn);
    conn.on('data', (data: string) => conn.write(data));
    conn.on('close', () => {
      connections.delete(conn);
      closed++;
    });
  });
  service.installHandlers(httpServer, { prefix: SOCKJS_PREFIX });
  return {
    httpServer,
    clients: () => connections.size,
    closedClients: () => closed,
    broadcast(text) {
      for (const conn of connections) conn.write(text);
    },
  };
}
