/**
 * grappler as a user would run it: the classic `Server` with its defaults (every transport on the
 * same port, in-memory storage), raw (not framed) clients. Every client's message is written back
 * to it (echo). With `redisUrl` it is a cluster node: Redis storage and `redisLog()`, as in
 * `examples/cluster`.
 */
import { Server, type ServerOptions } from 'grappler';
import type { ServerConfig } from '../protocol.js';
import type { BenchServer } from './types.js';

export async function grapplerServer(config: ServerConfig): Promise<BenchServer> {
  const server = new Server(await clusterOptions(config));
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

/** Redis storage and log for a cluster node; imported only then, so a lone server carries no ioredis. */
async function clusterOptions(config: ServerConfig): Promise<ServerOptions> {
  if (config.redisUrl === undefined) return {};
  const { redisLog, redisStorage } = await import('@grappler/storage-redis');
  const shared = { url: config.redisUrl, keyPrefix: config.keyPrefix ?? 'bench:' };
  return {
    nodeId: config.nodeId ?? 'node',
    storage: redisStorage(shared),
    sharedLog: redisLog(shared),
  };
}
