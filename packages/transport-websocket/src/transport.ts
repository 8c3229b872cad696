import { type ConnectionMeta, type HubPort, LOG, STATE, type Transport, rejectSocket } from '@grappler/core';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { type WebSocketOptions, pathMatches, protocolSelector } from './options';
import { Rfc6455Connection } from './rfc6455-connection';

/**
 * The WebSocket transport: claims upgrades with `Upgrade: websocket` (on `path`, if given),
 * asks the hub to admit them (accept hook, client cap, origins) before a byte is written, then
 * lets `ws` run the RFC 6455 handshake.
 */
export function websocketTransport(options: WebSocketOptions = {}): Transport {
  let server: WebSocketServer | undefined;
  let maxPayload = 0;
  const serverFor = (hub: HubPort): WebSocketServer => {
    maxPayload = options.maxPayload ?? hub.limits.maxMessageBytes;
    const handleProtocols = protocolSelector(options.protocols);
    server ??= new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload,
      perMessageDeflate: options.perMessageDeflate ?? false,
      ...(handleProtocols && { handleProtocols }),
    });
    return server;
  };

  return {
    name: 'websocket',
    matches: (req: IncomingMessage) =>
      req.headers.upgrade?.toLowerCase() === 'websocket' && pathMatches(options.path, req.url),
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, hub: HubPort): void {
      // A peer may reset while the hub decides; that must not become an uncaught error.
      const ignore = (): void => {};
      socket.on('error', ignore);
      const meta: ConnectionMeta = { transport: 'websocket', req, socket, protocol: STATE.PROTO_WEBSOCKET, version: 'rfc6455' };
      hub.admit(meta).then((refusal) => {
        if (refusal) {
          hub.log(`websocket refused: ${refusal.message}`, LOG.WARN);
          if (refusal.status === null) socket.destroy();
          else rejectSocket(socket, refusal.status);
          return;
        }
        const wss = serverFor(hub);
        wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('error', ignore);
          const connection = new Rfc6455Connection(ws, socket, hub.limits.highWaterMarkBytes);
          connection.bind(hub.attach(connection, meta), maxPayload);
        });
      });
    },
    close(): void {
      server?.close();
      server = undefined;
    },
  };
}
