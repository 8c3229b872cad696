import { createHub, type Hub, type HubOptions } from '@grappler/core';
import { memoryStorage } from '@grappler/storage-memory';
import { listen } from '@grappler/testkit';
import { createServer, type Server } from 'node:http';
import { type WebSocketOptions, websocketTransport } from '../src/index';

/** A hub with the WebSocket transport attached to an http.Server on 127.0.0.1, port 0. */
export async function startHub(
  options: HubOptions & { websocket?: WebSocketOptions } = {},
): Promise<{ hub: Hub; server: Server; port: number; url: string }> {
  const { websocket, ...hubOptions } = options;
  const hub = createHub({ storage: memoryStorage(), transports: [websocketTransport(websocket)], ...hubOptions });
  const server = createServer();
  hub.attach(server);
  const port = await listen(server);
  return { hub, server, port, url: `ws://127.0.0.1:${port}/` };
}

/** Resolves with the next `connection` of the hub. */
export function nextConnection(hub: Hub): Promise<import('@grappler/core').Client> {
  return new Promise((resolve) => hub.once('connection', resolve));
}
