import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Client as HubClient, type Hub, type HubOptions, type Transport, createHub } from '@grappler/core';
import { waitUntil } from '@grappler/testkit';
import { longpollTransport } from '@grappler/transport-longpoll';
import { sseTransport } from '@grappler/transport-sse';
import { websocketTransport } from '@grappler/transport-websocket';
import { xhrMultipartTransport } from '@grappler/transport-xhr-multipart';
import { WebSocket } from 'ws';
import { type ClientEvents, type ClientOptions, type GrapplerClient, type TransportName, type WebSocketConstructor, connect } from '../src/index';

export const SERVER_TRANSPORTS: Record<TransportName, () => Transport> = {
  websocket: () => websocketTransport(),
  sse: () => sseTransport(),
  'xhr-multipart': () => xhrMultipartTransport(),
  longpoll: () => longpollTransport(),
};

export interface TestServer {
  hub: Hub;
  server: Server;
  url: string;
  /** Server-side clients, in connection order. */
  clients: HubClient[];
  /** Every message the server's clients received, in order. */
  received: string[];
  /** Cuts every TCP connection the server holds (streams, held polls), as a proxy or a network would. */
  dropStreams(): void;
}

/** A hub with these transports on a real http.Server on 127.0.0.1, port 0 (or `port`: a server restarted). */
export async function startServer(transports: readonly Transport[], options: HubOptions = {}, port = 0): Promise<TestServer> {
  const server = createServer();
  const hub = createHub({ pingInterval: 1000, ...options, transports });
  hub.attach(server);
  const observed = observeServer(server, hub);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  return {
    hub,
    server,
    url: `http://127.0.0.1:${bound}/`,
    clients: observed.clients,
    received: observed.received,
    dropStreams: observed.dropConnections,
  };
}

/**
 * Records what a test needs to see of a server: its hub's clients in connection order, every
 * message they received, and a way to cut every TCP connection it holds, as a network would.
 */
export function observeServer(server: Server, hub: Hub): { clients: HubClient[]; received: string[]; dropConnections(): void } {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const clients: HubClient[] = [];
  const received: string[] = [];
  hub.on('connection', (client) => {
    clients.push(client);
    client.on('message', (data: string | Uint8Array) => received.push(String(data)));
  });
  return {
    clients,
    received,
    dropConnections() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}

/** A client with the `ws` WebSocket and short reconnect delays, recording its events. */
export function startClient(url: string, options: ClientOptions = {}): { client: GrapplerClient; events: string[]; messages: (string | Uint8Array)[] } {
  const client = connect(url, { WebSocket: WebSocket as unknown as WebSocketConstructor, reconnectDelayMs: 20, maxReconnectDelayMs: 100, ...options });
  const events: string[] = [];
  const messages: (string | Uint8Array)[] = [];
  const names: (keyof ClientEvents)[] = ['open', 'close', 'error', 'reconnecting', 'reconnect', 'transport'];
  for (const name of names) client.on(name, () => events.push(name));
  client.on('message', (data) => messages.push(data));
  return { client, events, messages };
}

/** Resolves with the arguments of the next `event`. */
export function nextEvent<K extends keyof ClientEvents>(client: GrapplerClient, event: K, timeoutMs = 5000): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event within ${timeoutMs} ms`)), timeoutMs);
    const listener = (...args: ClientEvents[K]): void => {
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args);
    };
    client.on(event, listener);
  });
}

export { waitUntil };
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
