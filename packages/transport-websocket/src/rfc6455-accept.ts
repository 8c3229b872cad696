import { type Client, type ConnectionMeta, FRAMED_PROTOCOL, HandshakeError, type HubPort, type ResumeRequest } from '@grappler/core';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Server, WebSocketServer } from 'ws';
import { type SelectProtocol, protocolSelector } from './options';
import { BoundWebSocket } from './bound-websocket';
import { Rfc6455Connection, type Rfc6455Shared } from './rfc6455-connection';

/** What the transport's options decide for RFC 6455. */
export interface Rfc6455Settings {
  readonly maxPayload: number | undefined;
  readonly perMessageDeflate: boolean | import('ws').PerMessageDeflateOptions;
  readonly protocols: readonly string[] | SelectProtocol | undefined;
  readonly pingIntervalMs: number;
}

/** Runs RFC 6455 handshakes through one `ws` server in noServer mode, made on first use. */
export interface Rfc6455Acceptor {
  /**
   * Runs the handshake, synchronously: `ws` completes it in the call when no `verifyClient`
   * is set (none is). A refused handshake has been answered by `ws` (400, 405) or its socket
   * destroyed; the error says so, for the log or a route's promise.
   */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, hub: HubPort, meta: ConnectionMeta): Client | HandshakeError;
  close(): void;
}

export function createRfc6455Acceptor(settings: Rfc6455Settings): Rfc6455Acceptor {
  let server: Server<typeof BoundWebSocket> | undefined;
  // Made with the server, on first use: the hub's limits and heartbeat are known then.
  let shared: Rfc6455Shared | undefined;
  return {
    accept(req, socket, head, hub, meta) {
      if (!server) {
        const maxPayload = settings.maxPayload ?? hub.limits.maxMessageBytes;
        shared = {
          maxPayload,
          beatsPerPing: Math.max(1, Math.round(settings.pingIntervalMs / hub.pingInterval)),
          highWaterMarkBytes: hub.limits.highWaterMarkBytes,
        };
        const userProtocols = protocolSelector(settings.protocols);
        // grappler's own client asks for framed mode by subprotocol; any other choice is the user's.
        const handleProtocols: SelectProtocol = (offered, request) =>
          offered.has(FRAMED_PROTOCOL)
            ? FRAMED_PROTOCOL
            : userProtocols
              ? userProtocols(offered, request)
              : (offered.values().next().value ?? false); // ws's own default: the client's first
        server = new WebSocketServer({
          WebSocket: BoundWebSocket,
          noServer: true,
          clientTracking: false,
          maxPayload,
          perMessageDeflate: settings.perMessageDeflate,
          handleProtocols,
        });
      }
      const wss = server;
      const common = shared as Rfc6455Shared;
      let client: Client | undefined;
      wss.handleUpgrade(req, socket, head, (ws) => {
        const framed = ws.protocol === FRAMED_PROTOCOL;
        const connection = new Rfc6455Connection(ws, socket, common, framed);
        // The transport read the resume request before admission (the hub ignores it for a plain connection).
        client = hub.attach(connection, meta);
        connection.bind(hub.events, client);
      });
      // No promise, listener or closure per handshake beyond this callback: a burst of
      // handshakes leaves that much less garbage (and young generation) behind.
      return client ?? new HandshakeError('ERR_HANDSHAKE', 400, 'refused by the RFC 6455 handshake');
    },
    close() {
      server?.close();
      server = undefined;
    },
  };
}

/** `?resume=<token>&seq=<cursor>` on the upgrade URL of a framed client (docs/framed-mode.md). */
export function resumeRequest(url: string | undefined): ResumeRequest | undefined {
  const params = new URL(url ?? '/', 'http://localhost').searchParams;
  const token = params.get('resume');
  const seq = Number(params.get('seq') ?? '0');
  return token && Number.isSafeInteger(seq) && seq >= 0 ? { token, seq } : undefined;
}
