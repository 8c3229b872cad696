/**
 * grappler as a user would run it: the classic `Server` with its defaults (every transport on the
 * same port, in-memory storage), raw (not framed) clients. Every client's message is written back
 * to it (echo). With `redisUrl` it is a cluster node: Redis storage and `redisLog()`, as in
 * `examples/cluster`.
 */
import { redisLog, redisStorage } from '@grappler/storage-redis';
import { Server, type ServerOptions } from 'grappler';
import type { ServerConfig } from '../protocol.js';
import type { BenchServer } from './types.js';

export function grapplerServer(config: ServerConfig): BenchServer {
  const server = new Server(clusterOptions(config));
  let closed = 0;
  server.on('connection', (client) => {
    client.on('message', (data) => client.write(data));
    client.on('close', () => closed++);
  });
  return {
    httpServer: server.httpServer,
    clients: () => server.hub.size,
    closedClients: () => closed,
    broadcast: (text) => server.broadcast(text),
  };
}

function clusterOptions(config: ServerConfig): ServerOptions {
  if (config.redisUrl === undefined) return {};
  const shared = { url: config.redisUrl, keyPrefix: config.keyPrefix ?? 'bench:' };
  return {
    nodeId: config.nodeId ?? 'node',
    storage: redisStorage(shared),
    sharedLog: redisLog(shared),
  };
}
