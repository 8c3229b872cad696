/**
 * Same-port mode: Flash asks the target port itself for a policy when port 843 does not
 * answer, in plain text, before any HTTP or TLS. So the sniffer stands in front of the
 * server's own 'connection' listeners:
 *
 *   connection → answerPolicyRequest
 *     policy → answered and closed here; the HTTP server never sees the socket
 *     other  → bytes unshifted, socket passed to the original listeners, which (http's parser,
 *              https's TLS handshake) read exactly the bytes the client sent
 */
import type { Server, Socket } from 'node:net';
import { LOG } from '@grappler/core';
import { answerPolicyRequest } from './answer-socket';
import { type FlashPolicyOptions, type ResolvedFlashPolicy, resolveFlashPolicyOptions } from './options';

/** Returned by {@link sniffPolicyRequests}. */
export interface PolicySniffer {
  /**
   * Stops sniffing new connections and puts the original 'connection' listeners back, first
   * in line. Connections already being sniffed finish as before. Idempotent.
   */
  close(): void;
}

type ConnectionListener = (this: Server, socket: Socket) => void;

/**
 * Answers Flash policy requests on the port of an `http.Server` or `https.Server`, passing every
 * other connection on untouched. Call it after the server's own listeners are registered (they
 * are, once the server is constructed); 'connection' listeners added later see raw sockets.
 * @throws TypeError for a bad policy entry, `origins` or `timeoutMs`.
 * @example const sniffer = sniffPolicyRequests(httpServer, { origins: ['app.example:*'], toPorts: '8080' });
 */
export function sniffPolicyRequests(server: Server, options: FlashPolicyOptions = {}): PolicySniffer {
  const resolved = resolveFlashPolicyOptions(options);
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
