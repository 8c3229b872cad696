import { createClusterNode } from './server';

// One node, as src/main.ts starts it: NODE_ID, PORT, HOST and REDIS_URL come from the environment.
const nodeId = process.env.NODE_ID ?? 'node-1';
const port = Number(process.env.PORT ?? 8081);
const host = process.env.HOST ?? '127.0.0.1';
const server = createClusterNode({ nodeId, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
server.listen(port, host, () => console.log(`${nodeId}: http://${host}:${port}/`));
const stop = (): void => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
