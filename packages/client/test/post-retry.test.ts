import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, listen } from '@grappler/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { GrapplerClient, TransportName } from '../src/index';
import { SERVER_TRANSPORTS, type TestServer, nextEvent, sleep, startClient, startServer, waitUntil } from './helpers';

/**
 * A proxy that forwards every request, but for the POSTs `fail` picks it waits for the server's
 * answer and then cuts the connection: the server delivered the batch, the client sees a network
 * error. With `cutAll` it cuts every connection of the client (its stream too), forcing a new link.
 */
async function startFailingProxy(target: string, fail: (post: number) => boolean, cutAll = false) {
  const { port } = new URL(target);
  const sockets = new Set<Socket>();
  let posts = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const numbered = req.method === 'POST' && new URL(req.url ?? '/', 'http://x').searchParams.has('up');
    const failing = numbered && fail(++posts);
    const upstream = request({ hostname: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (failing) {
        answer.resume();
        answer.on('end', () => {
          if (cutAll) for (const socket of sockets) socket.destroy();
          else req.socket.destroy();
        });
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const proxyPort = await listen(server);
  return { server, url: `http://127.0.0.1:${proxyPort}/`, posts: () => posts };
}

let server: TestServer | undefined;
let proxy: Server | undefined;
let client: GrapplerClient | undefined;
afterEach(async () => {
  client?.close();
  if (proxy) await closeServer(proxy);
  await server?.hub.close();
  client = server = proxy = undefined;
});

const HTTP: TransportName[] = ['sse', 'xhr-multipart', 'longpoll'];

describe.each(HTTP)('POST retries over %s', (name) => {
  const start = async (fail: (post: number) => boolean, cutAll = false) => {
    server = await startServer([SERVER_TRANSPORTS[name]()]);
    const started = await startFailingProxy(server.url, fail, cutAll);
    proxy = started.server;
    ({ client } = startClient(started.url, { transports: [name] }));
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.code));
    await nextEvent(client, 'open');
    return { client, errors, posts: started.posts };
  };

  it('delivers each message once, in order, when a POST the server delivered fails on the way back', async () => {
    const { client, errors, posts } = await start((post) => post % 2 === 1); // every other POST, the first included
    for (let i = 1; i <= 20; i++) {
      client.send(`m${i}`);
      if (i % 4 === 0) await waitUntil(() => server!.received.length >= i, `m${i} on the server`); // several POSTs
    }
    await sleep(50); // a duplicate would arrive about now
    expect(server!.received).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 1}`));
    expect(posts()).toBeGreaterThan(5);
    expect(errors).toContain('ERR_SEND');
    expect(server!.clients).toHaveLength(1);
  });

  it('resends an unacknowledged batch on the next link, which resumes the client in a new session, and the server skips it', async () => {
    const { client } = await start((post) => post === 1, true); // the first POST, and the stream with it
    const reconnected = nextEvent(client, 'reconnect');
    client.send('a');
    client.send('b');
    await reconnected;
    client.send('c');
    await waitUntil(() => server!.received.length >= 3, 'three messages on the server');
    await sleep(50);
    expect(server!.received).toEqual(['a', 'b', 'c']);
    expect(server!.clients).toHaveLength(1); // the same client, resumed
  });
});
