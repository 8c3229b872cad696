import { randomBytes } from 'node:crypto';
import type { ServerName, WireKind } from '../protocol.js';
import { startRedis } from '../redis.js';
import type { RunResult } from '../trial.js';
import { runFanout } from './fanout-run.js';
import { count, microseconds, perSecond } from './format.js';
import type { Contender, Workload } from './types.js';

function contender(label: string, server: ServerName, kind: WireKind, about: string): Contender {
  return {
    label,
    about,
    run: async (scale, options): Promise<RunResult> => {
      const redis = await startRedis();
      try {
        const keyPrefix = `bench-${randomBytes(4).toString('hex')}:`;
        const node = (nodeId: string) => ({ name: server, redisUrl: redis.url, keyPrefix, nodeId });
        return await runFanout({
          ...scale.cluster,
          servers: [node('node-1'), node('node-2')],
          kind,
          serverNodeFlags: options.serverNodeFlags,
        });
      } finally {
        await redis.stop();
      }
    },
  };
}

export const clusterWorkload: Workload = {
  id: 'cluster',
  title: '(6) Two nodes on Redis: fan-out across nodes',
  size: ({ cluster }) => `${cluster.clients} clients on 2 nodes, ${cluster.broadcasts} broadcasts of ${cluster.bytes} bytes.`,
  method:
    'Two server processes sharing a fresh redis-server, N WebSocket clients split evenly between them, B broadcasts of 64 bytes from node 1 (after a warm-up of B/10); deliveries/s over all N clients. Both nodes share the server core; Redis runs on the load generator core and its CPU is not counted.',
  contenders: [
    contender('grappler', 'grappler', 'ws', "grappler's Server with redisStorage() and redisLog() from @grappler/storage-redis"),
    contender('socketio-ws', 'socketio-ws', 'eio-ws', 'Socket.IO 4.8.4 (websocket) with @socket.io/redis-adapter 8.3.0 on ioredis 6.0.0'),
  ],
  columns: [
    { key: 'deliveriesPerSec', label: 'deliveries/s', format: perSecond },
    { key: 'lost', label: 'lost', format: count },
    { key: 'serverUsPerDelivery', label: 'server CPU µs/delivery (both nodes)', format: microseconds },
  ],
  targets: [],
};
