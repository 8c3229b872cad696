import { createClusterNode } from './server';

// One node, as src/main.ts starts it: NODE_ID, PORT, HOST and REDIS_URL come from the environment.
// PORT=0 takes any free port; the line printed once listening names the one taken.
const nodeId = process.env.NODE_ID ?? 'node-1';
const port = Number(process.env.PORT ?? 8081);
const host = process.env.HOST ?? '127.0.0.1';
const server = createClusterNode({ nodeId, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
server.httpServer.once('error', (error) => {
  // Most often EADDRINUSE: say which node and port, and exit so src/main.ts stops the others.
  console.error(`${nodeId}: cannot listen on ${host}:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, host, () => console.log(`${nodeId}: http://${host}:${server.address()!.port}/`));
const stop = (): void => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
