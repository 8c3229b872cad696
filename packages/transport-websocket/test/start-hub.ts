import { createHub, type Hub, type HubOptions } from '@grappler/core';
import { memoryStorage } from '@grappler/storage-memory';
import { listen } from '@grappler/testkit';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type WebSocketOptions, websocketTransport } from '../src/index';

/** An RFC 6455 upgrade request as a raw TCP client writes it (the key of RFC 6455 §1.3). */
export const UPGRADE_REQUEST: string =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** A hub with the WebSocket transport attached to an http.Server on 127.0.0.1, port 0. */
export async function startHub(
  options: HubOptions & { websocket?: WebSocketOptions; tls?: { key: Buffer; cert: Buffer } } = {},
): Promise<{ hub: Hub; server: Server; port: number; url: string }> {
  const { websocket, tls, ...hubOptions } = options;
  const hub = createHub({ storage: memoryStorage(), transports: [websocketTransport(websocket)], ...hubOptions });
  const server = tls ? createHttpsServer(tls) : createServer();
  hub.attach(server);
  const port = await listen(server);
  return { hub, server, port, url: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/` };
}

/** Resolves with the next `connection` of the hub. */
export function nextConnection(hub: Hub): Promise<import('@grappler/core').Client> {
  return new Promise((resolve) => hub.once('connection', resolve));
}
