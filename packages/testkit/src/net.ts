import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import { type AddressInfo, type Server as NetServer, connect } from 'node:net';

/** Starts listening on 127.0.0.1, an ephemeral port; resolves with the port. */
export async function listen(server: NetServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A plain `http.Server` on 127.0.0.1 with an ephemeral port. */
export async function startHttpServer(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  const port = await listen(server);
  return { server, port };
}

/**
 * Closes a server and every connection it still holds (an `http` server's; a bare `net.Server`
 * does not track them, so its test must have closed them).
 */
export async function closeServer(server: NetServer | Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if ('closeAllConnections' in server) server.closeAllConnections();
  await closed;
}

/**
 * Writes raw bytes to a port and collects everything the server sends until it closes the
 * connection or `timeoutMs` passes: for malformed handshakes a real client would never send.
 */
export async function rawExchange(
  port: number,
  bytes: string | Uint8Array,
  timeoutMs = 2000,
): Promise<{ response: string; closed: boolean }> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'connect');
  socket.write(bytes);
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => {});
  });
  socket.destroy();
  return { response: Buffer.concat(chunks).toString('latin1'), closed };
}
