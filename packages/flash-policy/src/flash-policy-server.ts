import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { LOG } from '@grappler/core';
import { answerPolicyRequest } from './answer-socket';
import { type FlashPolicyOptions, type ResolvedFlashPolicy, resolveFlashPolicyOptions } from './options';

/** A standalone policy responder, made by {@link flashPolicyServer}. */
export interface FlashPolicyServer {
  /**
   * Binds and starts answering. Port 843 is where Flash asks first; below 1024 it needs
   * privileges (root, or CAP_NET_BIND_SERVICE). Rejects on EADDRINUSE, EACCES and the like.
   * @default port 843, host: every interface
   * @returns the bound port (useful with port 0)
   */
  listen(port?: number, host?: string): Promise<number>;
  /** Stops listening and destroys the connections still open. Resolves when all are gone. */
  close(): Promise<void>;
  /** The bound address, or null before `listen()` and after `close()`. */
  address(): AddressInfo | null;
}

/**
 * A TCP server that answers `<policy-file-request/>\0` with the policy and closes; any other
 * first bytes, or silence for `timeoutMs`, close the connection with nothing written.
 * Constructing it binds nothing: only `listen()` does.
 * @throws TypeError for a bad policy entry, `origins` or `timeoutMs`, at construction.
 * @example const flash = flashPolicyServer({ origins: 'app.example:*', toPorts: '8080' });
 * await flash.listen(); // port 843
 */
export function flashPolicyServer(options: FlashPolicyOptions = {}): FlashPolicyServer {
  const resolved = resolveFlashPolicyOptions(options);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    answerPolicyRequest(socket, resolved, refuse(resolved));
  });
  // After listen() has settled, errors are only logged: this process serves other things too.
  server.on('error', (error) => resolved.log(`flash-policy: server error: ${error.message}`, LOG.ERROR));
  return {
    listen: (port = 843, host) => listenOn(server, port, host),
    close: () => closeAll(server, sockets),
    address: () => {
      const address = server.address();
      return typeof address === 'object' ? address : null;
    },
  };
}

function refuse(resolved: ResolvedFlashPolicy): (socket: Socket) => void {
  return (socket) => {
    resolved.log(`flash-policy: closed ${socket.remoteAddress}:${socket.remotePort}, not a policy request`, LOG.INFO);
    socket.destroy();
  };
}

function listenOn(server: Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.removeListener('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.removeListener('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if (host === undefined) server.listen(port);
    else server.listen(port, host);
  });
}

function closeAll(server: Server, sockets: Set<Socket>): Promise<void> {
  if (!server.listening) return Promise.resolve();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  return closed;
}
