/**
 * The integration style of node-websocket-handler: an upgrade is handed to the application's
 * own request routing (a plain `request` handler, an Express app) with a pending WebSocket on
 * the response. The route accepts it with `connect()` or refuses it with an ordinary HTTP
 * response, for every protocol version.
 */
import { type Client, type ClientEvents, GrapplerError, type HubPort, LOG } from '@grappler/core';
import { EventEmitter } from 'node:events';
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketVersion } from './select-version';

/** The application's request handler; an Express app is one. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

const PENDING = new WeakMap<ServerResponse, PendingWebSocket>();

/** The pending WebSocket of an upgrade routed to the application, or undefined for a plain request. */
export function pendingWebSocket(res: ServerResponse): PendingWebSocket | undefined {
  return PENDING.get(res);
}

/**
 * A WebSocket the application may accept or refuse. Listeners attached before `connect()`
 * receive the client's events, including messages that were already pending on the socket.
 */
export class PendingWebSocket extends EventEmitter<ClientEvents> {
  /** The protocol the client speaks. */
  readonly version: WebSocketVersion;
  readonly req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #accept: () => Promise<Client>;
  #connecting: Promise<Client> | undefined;
  #client: Client | undefined;

  /** @internal Made by the transport for each routed upgrade. */
  constructor(req: IncomingMessage, res: ServerResponse, version: WebSocketVersion, accept: () => Promise<Client>) {
    super();
    this.req = req;
    this.version = version;
    this.#res = res;
    this.#accept = accept;
  }

  /** The client, once connected. */
  get client(): Client | undefined {
    return this.#client;
  }

  /** Completes the handshake; the client joins the hub (its `connection` event fires too). */
  connect(): Promise<Client> {
    if (this.#connecting) return this.#connecting;
    if (this.#res.headersSent) {
      return Promise.reject(new GrapplerError('ERR_HANDSHAKE', 'cannot connect: an HTTP response was already sent'));
    }
    this.#connecting = this.#accept().then((client) => {
      this.#client = client;
      for (const event of ['message', 'drain', 'close', 'stateChange'] as const) {
        client.on(event, (...args: unknown[]) => (this.emit as (name: string, ...a: unknown[]) => boolean)(event, ...args));
      }
      client.on('error', (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      });
      return client;
    });
    return this.#connecting;
  }

  /** Sends data once connected (the seed's `sendTextMessage`); false before. */
  write(data: string | Uint8Array, encoding?: BufferEncoding): boolean {
    return this.#client?.write(data, encoding) ?? false;
  }

  /** @internal Whether `connect()` was called. */
  get connecting(): boolean {
    return this.#connecting !== undefined;
  }
}

/**
 * Hands an admitted upgrade to the application's routing. A route that neither connects nor
 * answers within `handshakeTimeoutMs` has its socket closed.
 */
export function routeUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  version: WebSocketVersion,
  route: RouteHandler,
  accept: () => Promise<Client>,
  settings: { handshakeTimeoutMs: number; hub: HubPort },
): void {
  const tcp = socket as Socket;
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(tcp);
  const pending = new PendingWebSocket(req, res, version, () => {
    tcp.setTimeout(0);
    res.detachSocket(tcp);
    return accept();
  });
  PENDING.set(res, pending);
  // The seed's name, for code written against node-websocket-handler.
  Object.defineProperty(res, 'webSocket', { value: pending, enumerable: false });
  tcp.setTimeout(settings.handshakeTimeoutMs, () => tcp.destroy());
  res.on('finish', () => {
    if (!pending.connecting) tcp.destroySoon();
  });
  try {
    route(req, res);
  } catch (error) {
    settings.hub.log(`the route threw on a WebSocket upgrade: ${String(error)}`, LOG.ERROR);
    if (!res.headersSent) res.writeHead(500).end();
  }
}
