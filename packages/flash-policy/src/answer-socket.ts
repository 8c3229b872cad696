/**
 * The first bytes of one fresh connection, shared by both modes:
 *
 *   'data' → classifyFirstBytes(all bytes so far)
 *     undecided → keep reading (at most 22 bytes are ever held)
 *     policy    → write the policy + NUL and end; the timeout still destroys a peer that lingers
 *     other     → stop watching, clear the timer, pause, unshift the bytes, onOther(socket)
 *   'timeout', or 'end' before a decision → destroy
 *   'error' (ECONNRESET...) → log, destroy; never thrown
 */
import type { Socket } from 'node:net';
import { LOG } from '@grappler/core';
import type { ResolvedFlashPolicy } from './options';
import { classifyFirstBytes } from './policy-request';

/** Receives a socket that is not a Flash client: paused, its first bytes unshifted, unwatched. */
export type OnOtherSocket = (socket: Socket) => void;

/** Answers a policy request on a fresh socket, or passes the socket on untouched. */
export function answerPolicyRequest(socket: Socket, resolved: ResolvedFlashPolicy, onOther: OnOtherSocket): void {
  const { policy, timeoutMs, log } = resolved;
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  let received: Buffer = Buffer.alloc(0);

  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const decision = classifyFirstBytes(received);
    if (decision === 'undecided') return;
    socket.removeListener('data', onData).removeListener('end', onEnd);
    if (decision === 'other') {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      passOn(socket, received, onOther);
      return;
    }
    log(`flash-policy: answered a policy request from ${peer}`, LOG.INFO);
    socket.end(policy); // the timeout and error listeners stay, for a peer that lingers or resets
  };
  const onTimeout = (): void => {
    if (socket.destroyed) return; // gone before a decision: nothing to close
    log(`flash-policy: closed ${peer}, nothing decisive within ${timeoutMs} ms`, LOG.INFO);
    socket.destroy();
  };
  // With allowHalfOpen (http.Server sets it) nobody else would end a socket whose peer gave up.
  const onEnd = (): void => void socket.destroy();
  const onError = (error: Error): void => {
    log(`flash-policy: ${peer}: ${error.message}`, LOG.WARN);
    socket.destroy();
  };

  // A timer of its own, not socket.setTimeout(): a socket keeps its last timeout object for good,
  // and every HTTP and WebSocket connection passes through here.
  const timer = setTimeout(onTimeout, timeoutMs).unref();
  socket.on('error', onError).on('end', onEnd).on('data', onData);
}

/** Returns the socket to the state it was accepted in, bytes and all, and hands it on. */
function passOn(socket: Socket, received: Buffer, onOther: OnOtherSocket): void {
  socket.pause(); // nothing may flow before the next owner listens
  socket.unshift(received);
  onOther(socket);
}
