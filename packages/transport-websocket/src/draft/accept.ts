/**
 * Completes a draft handshake on an admitted upgrade socket:
 *
 *   draft-76: key3 (8 bytes, in `head` and/or later chunks) -> MD5 answer -> response
 *   draft-75: response at once
 *   -> DraftConnection attached to the hub, fed the bytes that followed the handshake
 */
import { type Client, HandshakeError, type ConnectionMeta, type HubPort } from '@grappler/core';
import type { Duplex } from 'node:stream';
import { DraftConnection } from './connection';
import { type DraftRequest, KEY3_BYTES, draft76Answer, renderDraftResponse } from './handshake';

/** What the transport's options decide for a draft handshake. */
export interface DraftAcceptSettings {
  readonly protocol: string | undefined;
  readonly secure: boolean;
  readonly maxMessageBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** Writes the handshake response and attaches the connection; rejects (socket destroyed) when key3 never comes. */
export async function acceptDraft(
  request: DraftRequest,
  socket: Duplex,
  head: Buffer,
  hub: HubPort,
  meta: ConnectionMeta,
  settings: DraftAcceptSettings,
): Promise<Client> {
  let pending = head;
  let answer: Buffer | undefined;
  if (request.keys) {
    const key3 = await readKey3(socket, head, settings.handshakeTimeoutMs);
    if (!key3) {
      socket.destroy();
      throw new HandshakeError('ERR_HANDSHAKE', null, `key3 did not arrive within ${settings.handshakeTimeoutMs} ms`);
    }
    answer = draft76Answer(request.keys, key3.key3);
    pending = key3.rest;
  }
  socket.write(renderDraftResponse(request, settings.secure, settings.protocol, answer));
  const connection = new DraftConnection(socket, {
    version: request.version,
    maxMessageBytes: settings.maxMessageBytes,
    highWaterMarkBytes: hub.limits.highWaterMarkBytes,
    pingInterval: hub.pingInterval,
    idleTimeoutMs: settings.idleTimeoutMs,
  });
  const client = hub.attach(connection, meta);
  connection.bind(hub.events, client, pending);
  return client;
}

/** Reads key3 from `head` and, if needed, later chunks; null when the socket closes or `timeoutMs` passes first. */
export function readKey3(socket: Duplex, head: Buffer, timeoutMs: number): Promise<{ key3: Buffer; rest: Buffer } | null> {
  if (head.length >= KEY3_BYTES) return Promise.resolve({ key3: head.subarray(0, KEY3_BYTES), rest: head.subarray(KEY3_BYTES) });
  return new Promise((resolve) => {
    let bytes = head;
    const finish = (result: { key3: Buffer; rest: Buffer } | null): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      clearTimeout(timer);
      socket.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      bytes = Buffer.concat([bytes, chunk]);
      if (bytes.length >= KEY3_BYTES) finish({ key3: bytes.subarray(0, KEY3_BYTES), rest: bytes.subarray(KEY3_BYTES) });
    };
    const onClose = (): void => finish(null);
    // A timer per handshake in flight (not per client): cleared as soon as key3 is in.
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.resume();
  });
}
