/**
 * Same-port mode for a plain `http.Server`, at no cost to HTTP: Node's HTTP parser already reads
 * every connection's first bytes, and `<` is no HTTP method, so a policy request is a parse
 * error whose 'clientError' carries the bytes (`rawPacket`). Nothing is read or held per
 * connection beforehand, and the parser keeps reading sockets straight from their handles.
 *
 *   clientError(error, socket)
 *     bytes so far (this packet, plus an earlier prefix) are all the socket ever sent, and
 *       policy    → write the policy + NUL and end
 *       undecided → keep the prefix; the parser, stuck in its error, reports each next packet
 *                   the same way; closed if nothing decisive comes within timeoutMs
 *     otherwise  → the server's other 'clientError' listeners, or Node's own 400/408/413/431 answer
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { LOG, interceptEvent } from '@grappler/core';
import { answerClientErrorAsNode } from './node-client-error';
import type { ResolvedFlashPolicy } from './options';
import { classifyFirstBytes } from './policy-request';

/** What a 'clientError' carries: Node adds the bytes the parser failed on. */
type ClientError = Error & { code?: string; rawPacket?: Buffer };

interface Prefix {
  bytes: Buffer;
  timer: NodeJS.Timeout;
}

/**
 * Answers policy requests through `server`'s 'clientError'. Returns the undo: the server's
 * earlier 'clientError' listeners back as they were.
 */
export function answerPolicyOnClientError(server: Server, resolved: ResolvedFlashPolicy): () => void {
  const { policy, timeoutMs, log } = resolved;
  const prefixes = new WeakMap<Socket, Prefix>();

  const forget = (socket: Socket): void => {
    const prefix = prefixes.get(socket);
    if (!prefix) return;
    clearTimeout(prefix.timer);
    prefixes.delete(socket);
  };

  const claim = (error: ClientError, socket: Socket): boolean => {
    const packet = error.rawPacket;
    const earlier = prefixes.get(socket);
    forget(socket);
    if (!error.code?.startsWith('HPE_') || !packet || packet.length === 0) return false;
    const bytes = earlier ? Buffer.concat([earlier.bytes, packet]) : packet;
    // Only the first bytes of a connection can be Flash's request, not a later pipelined one.
    if (bytes.length !== socket.bytesRead) return false;
    const decision = classifyFirstBytes(bytes);
    if (decision === 'other') return false;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (decision === 'undecided') {
      const timer = setTimeout(() => {
        prefixes.delete(socket);
        if (socket.destroyed) return;
        log(`flash-policy: closed ${peer}, nothing decisive within ${timeoutMs} ms`, LOG.INFO);
        socket.destroy();
      }, timeoutMs).unref();
      prefixes.set(socket, { bytes, timer });
      return true;
    }
    log(`flash-policy: answered a policy request from ${peer}`, LOG.INFO);
    socket.end(policy);
    return true;
  };

  return interceptEvent<[ClientError, Socket]>(server, 'clientError', claim, answerClientErrorAsNode);
}
