import { createChatServer } from './server';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const server = createChatServer();
server.listen(port, host, () => {
  console.log(`grappler chat: open http://${host}:${port}/ (and http://localhost:${port}/ as a second user); Ctrl-C to stop`);
});
process.once('SIGINT', () => void server.close());
process.once('SIGTERM', () => void server.close());
