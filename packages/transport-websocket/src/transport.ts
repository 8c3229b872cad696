import { type Client, type ConnectionMeta, FRAMED_PROTOCOL, HandshakeError, type HubPort, LOG, STATE, type Transport, rejectSocket } from '@grappler/core';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { acceptDraft } from './draft/accept';
import { headerBlockBytes, parseDraftRequest } from './draft/handshake';
import { type WebSocketOptions, allowedDraftProtocol, pathMatches, resolveWebSocketOptions } from './options';
import { createRfc6455Acceptor, resumeRequest } from './rfc6455-accept';
import { routeUpgrade } from './route';
import { selectVersion } from './select-version';

/**
 * The WebSocket transport: RFC 6455 (through `ws`), draft-76 and draft-75 on one path.
 *
 *   upgrade -> version from the headers -> draft headers checked (400) -> hub.admit: accept
 *   hook, maxClients, origins (nothing written yet) -> accepted, or handed to `route`
 */
export function websocketTransport(options: WebSocketOptions = {}): Transport {
  const settings = resolveWebSocketOptions(options);
  const rfc6455 = createRfc6455Acceptor(settings);

  return {
    name: 'websocket',
    matches: (req: IncomingMessage) =>
      req.headers.upgrade?.toLowerCase() === 'websocket' && pathMatches(settings.path, req.url),
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, hub: HubPort): void {
      // A peer may reset at any point; that must never become an uncaught error. (A function of
      // its own: a closure here would keep this whole scope, request and head included, alive.)
      socket.on('error', destroyOnError);
      const version = selectVersion(req.headers);
      if (!settings.versions.has(version)) {
        refuse(socket, hub, new HandshakeError('ERR_HANDSHAKE', 426, `WebSocket ${version} is not served here`));
        return;
      }
      const draft =
        version === 'rfc6455'
          ? undefined
          : parseDraftRequest(version, req.headers, req.url ?? '/', {
              headerBytes: headerBlockBytes(req.rawHeaders),
              maxHeaderBytes: settings.maxHeaderBytes,
            });
      if (draft instanceof HandshakeError) {
        refuse(socket, hub, draft);
        return;
      }
      // A framed client's resume is known before admission, so the hub can look it up (in a cluster, on another node).
      const resume = version === 'rfc6455' && offersFramed(req) ? resumeRequest(req.url) : undefined;
      const meta: ConnectionMeta = { transport: 'websocket', req, socket, protocol: STATE.PROTO_WEBSOCKET, version, ...(resume && { resume }) };
      const acceptNow = (): Client | Promise<Client> =>
        draft
          ? acceptDraft(draft, socket, head, hub, meta, {
              protocol: allowedDraftProtocol(settings.protocols, draft.protocol, req),
              secure: (socket as TLSSocket).encrypted === true,
              maxMessageBytes: settings.maxPayload ?? hub.limits.maxMessageBytes,
              handshakeTimeoutMs: settings.handshakeTimeoutMs,
              idleTimeoutMs: settings.idleTimeoutMs,
            })
          : rfc6455Outcome(rfc6455.accept(req, socket, head, hub, meta), socket);
      void hub.admit(meta).then((refusal) => {
        if (refusal) return refuse(socket, hub, refusal);
        if (settings.route) return routeUpgrade(req, socket, version, settings.route, async () => acceptNow(), { ...settings, hub });
        // A failed handshake has already been answered on the socket; there is nothing to add.
        try {
          const accepted = acceptNow();
          if (accepted instanceof Promise) accepted.catch((error: unknown) => logHandshakeFailure(hub, error));
        } catch (error) {
          logHandshakeFailure(hub, error);
        }
      });
    },
    close(): void {
      rfc6455.close();
    },
  };
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * An RFC 6455 outcome as the route and the log want it: the client, or the refusal thrown. An
 * accepted socket drops the transport's error listener, `ws` has its own: one listener less
 * kept per connection.
 */
function rfc6455Outcome(outcome: Client | HandshakeError, socket: Duplex): Client {
  if (outcome instanceof HandshakeError) throw outcome;
  socket.removeListener('error', destroyOnError);
  return outcome;
}

function logHandshakeFailure(hub: HubPort, error: unknown): void {
  hub.log(`websocket handshake failed: ${String(error)}`, LOG.WARN);
}

/** Answers a refused upgrade (or drops it, when the accept hook said no) and logs why. */
function refuse(socket: Duplex, hub: HubPort, refusal: HandshakeError): void {
  hub.log(`websocket refused: ${refusal.message}`, LOG.WARN);
  if (refusal.status === null) socket.destroy();
  else rejectSocket(socket, refusal.status, refusal.status === 426 ? { 'Sec-WebSocket-Version': '13' } : {});
}

/** Whether the client offers the framed subprotocol (`Sec-WebSocket-Protocol: …, grappler.v1`). */
function offersFramed(req: IncomingMessage): boolean {
  const offered = req.headers['sec-websocket-protocol'];
  return typeof offered === 'string' && offered.split(',').some((protocol) => protocol.trim() === FRAMED_PROTOCOL);
}
