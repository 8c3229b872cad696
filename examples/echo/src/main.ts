import { createEchoServer } from './server';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const server = createEchoServer();
server.listen(port, host, () => {
  console.log(`grappler echo demo: open http://${host}:${port}/ in two browser tabs (Ctrl-C to stop)`);
});
process.once('SIGINT', () => void server.close());
process.once('SIGTERM', () => void server.close());
