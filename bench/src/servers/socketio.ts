/**
 * Socket.IO 4.8.4 with its defaults except the transport list: WebSocket only, or polling only
 * (no upgrade), so each is measured on its own. A broadcast is `io.emit('m', text)`; a client's
 * `m` event is emitted back to it (echo). With `redisUrl`, nodes share `@socket.io/redis-adapter`.
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { ServerConfig } from '../protocol.js';
import type { BenchServer } from './types.js';

export function socketIoServer(config: ServerConfig, transport: 'websocket' | 'polling'): BenchServer {
  const httpServer = createServer();
  const io = new Server(httpServer, { transports: [transport], serveClient: false });
  if (config.redisUrl !== undefined) {
    const pub = new Redis(config.redisUrl);
    const sub = pub.duplicate();
    io.adapter(createAdapter(pub, sub, { key: config.keyPrefix ?? 'socket.io' }));
  }
  let closed = 0;
  io.on('connection', (socket) => {
    socket.on('m', (data: unknown) => socket.emit('m', data));
    socket.on('disconnect', () => closed++);
  });
  return {
    httpServer,
    clients: () => io.of('/').sockets.size,
    closedClients: () => closed,
    broadcast: (text) => {
      io.emit('m', text);
    },
  };
}
