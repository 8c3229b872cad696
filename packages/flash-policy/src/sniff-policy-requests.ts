/**
 * Same-port mode: Flash asks the target port itself for a policy when port 843 does not
 * answer, in plain text, before any HTTP or TLS.
 *
 * - A plain `http.Server` already parses every connection's first bytes, and a policy request
 *   fails that parse: it is answered from 'clientError' (see answer-on-client-error.ts), and
 *   nothing is done per connection.
 * - Any other server (`https`, whose TLS would choke on the request first, or a bare
 *   `net.Server`) gets the sniffer, in front of its own 'connection' listeners:
 *
 *   connection → answerPolicyRequest
 *     policy → answered and closed here; the server never sees the socket
 *     other  → bytes unshifted, socket passed to the original listeners, which (https's TLS
 *              handshake, http's parser) read exactly the bytes the client sent
 */
import { Server as HttpServer } from 'node:http';
import type { Server, Socket } from 'node:net';
import { LOG } from '@grappler/core';
import { answerPolicyOnClientError } from './answer-on-client-error';
import { answerPolicyRequest } from './answer-socket';
import { type FlashPolicyOptions, type ResolvedFlashPolicy, resolveFlashPolicyOptions } from './options';

/** Returned by {@link sniffPolicyRequests}. */
export interface PolicySniffer {
  /**
   * Stops answering and puts the listeners it stood in front of back, first in line: the
   * original 'clientError' listeners of an `http.Server`, the 'connection' listeners of any
   * other. Connections already being sniffed finish as before. Idempotent.
   */
  close(): void;
}

type ConnectionListener = (this: Server, socket: Socket) => void;

/**
 * Answers Flash policy requests on the port of an `http.Server` or `https.Server`, passing every
 * other connection on untouched. Call it after the server's own listeners are registered (they
 * are, once the server is constructed). On an `http.Server` it stands in front of the
 * 'clientError' listeners, and a bad request that is not Flash's gets them, or Node's own 400
 * answer. On any other server it sniffs each connection's first bytes, and 'connection'
 * listeners added later see raw sockets.
 * @throws TypeError for a bad policy entry, `origins` or `timeoutMs`.
 * @example const sniffer = sniffPolicyRequests(httpServer, { origins: ['app.example:*'], toPorts: '8080' });
 */
export function sniffPolicyRequests(server: Server, options: FlashPolicyOptions = {}): PolicySniffer {
  const resolved = resolveFlashPolicyOptions(options);
  if (server instanceof HttpServer) return { close: answerPolicyOnClientError(server, resolved) };
  return sniffConnections(server, resolved);
}

function sniffConnections(server: Server, resolved: ResolvedFlashPolicy): PolicySniffer {
  // rawListeners keeps once() wrappers as they are, so close() restores them unchanged.
  const originals = server.rawListeners('connection') as ConnectionListener[];
  for (const listener of originals) server.removeListener('connection', listener);
  const onConnection = (socket: Socket): void =>
    answerPolicyRequest(socket, resolved, (other) => handOver(server, originals, other, resolved));
  server.on('connection', onConnection);

  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      server.removeListener('connection', onConnection);
      for (const listener of [...originals].reverse()) server.prependListener('connection', listener);
    },
  };
}

function handOver(server: Server, originals: readonly ConnectionListener[], socket: Socket, resolved: ResolvedFlashPolicy): void {
  try {
    for (const listener of originals) listener.call(server, socket);
  } catch (error) {
    resolved.log(`flash-policy: a connection listener threw: ${(error as Error).message}`, LOG.ERROR);
    socket.destroy();
    return;
  }
  // http's listener reads through 'data' (and then feeds its parser from the handle directly),
  // so it must see our unshifted bytes flow first; it does not resume a socket it did not pause.
  // https's TLS listener pulls them with read() instead and adds no 'data' listener.
  if (socket.isPaused() && socket.listenerCount('data') > 0) socket.resume();
  // An unhandled 'error' on a socket would crash the process; http and tls add their own.
  if (socket.listenerCount('error') === 0) {
    socket.on('error', (error) => resolved.log(`flash-policy: after hand-over: ${error.message}`, LOG.WARN));
  }
}
