import { createApp } from './app';

const port = Number(process.env.PORT ?? 3000);
const host = '127.0.0.1';
const { server, hub } = createApp();

server.listen(port, host, () => {
  console.log(`grappler in Express: open http://${host}:${port}/ in two browser tabs (Ctrl-C to stop)`);
});

// hub.close() says goodbye to every client (1001) and closes the attached server, so the process can exit.
const shutdown = (): void => void hub.close();
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
