import {
  type AcceptClient,
  type ChannelHooks,
  type ClusterChannel,
  type Client,
  createHub,
  type Hub,
  type HubOptions,
  type Limits,
  type LogLevel,
  type PublishOptions,
  type SharedLog,
  type Storage,
  type Transport,
} from '@grappler/core';
import { type FlashPolicyOptions, type PolicySniffer, sniffPolicyRequests } from '@grappler/flash-policy';
import type { HttpTransportOptions } from '@grappler/http-session';
import { memoryStorage } from '@grappler/storage-memory';
import { longpollTransport } from '@grappler/transport-longpoll';
import { type SseOptions, sseTransport } from '@grappler/transport-sse';
import { xhrMultipartTransport } from '@grappler/transport-xhr-multipart';
import { type WebSocketOptions, websocketTransport } from '@grappler/transport-websocket';
import { EventEmitter } from 'node:events';
import { type IncomingMessage, type Server as HttpServer, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type ClientHandler, DEFAULT_CLIENT_PATH, serveClient } from './serve-client';

/** The seed's `fnHandleNormalHTTP`: answer a request yourself (send headers) or leave it to grappler. */
export type HandleNormalHttp = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The seed's `fnAcceptClient`: return false to drop the connection before any byte is written. */
export type AcceptClientSocket = (socket: Socket) => boolean | undefined | Promise<boolean | undefined>;

/** Options of {@link Server}: the seed's, plus limits, the channel hooks (see `@grappler/core`) and the transports' own. */
export interface ServerOptions extends ChannelHooks {
  /** Receives debug information: a message and a `LOG` level. @default a no-op */
  logger?: (message: string, level: LogLevel) => void;
  /** Who may connect: `"hostname:port"`, `"hostname"`, `*` for either part. @default "*:*" */
  origins?: string | readonly string[];
  /** Milliseconds between heartbeats: HTTP clients are pinged this often, WebSocket clients every `websocket.pingIntervalMs` (25 s). @default 3000 */
  pingInterval?: number;
  /** A storage backend, or the seed's name `"object"`/`"memory"` for the in-memory one. @default "memory" */
  storage?: Storage | 'object' | 'memory';
  /** Named limits of the hub. */
  limits?: Partial<Limits>;
  /** Options of the WebSocket transport, or false to leave it out. */
  websocket?: WebSocketOptions | false;
  /** Options of the Server-Sent Events transport, or false to leave it out. */
  sse?: SseOptions | false;
  /** Options of the XHR multipart streaming transport, or false to leave it out. */
  xhrMultipart?: HttpTransportOptions | false;
  /** Options of the long-polling transport, or false to leave it out. */
  longpoll?: HttpTransportOptions | false;
  /** Serve on an existing `http`/`https` server instead of creating one (then `listen()` is optional). */
  server?: HttpServer;
  /**
   * Answer Flash socket policy requests on the server's own port, as the seed did; options of
   * `@grappler/flash-policy` (its `origins` default to the server's), or false to turn it off.
   * @default true
   */
  flashPolicy?: boolean | FlashPolicyOptions;
  /**
   * The path at which the built browser client (`@grappler/client`'s `grappler.iife.js`) is served,
   * after `fnHandleNormalHTTP` (which may override it), or false not to serve it.
   * @default "/grappler/client.js"
   */
  clientPath?: string | false;
  /** Whether what a client publishes carries its `client.user` as sender unless `beforePublish` says otherwise. @default false */
  publishSender?: boolean;
  /** A log shared with other servers, which then act as one (e.g. `redisLog()` from `@grappler/storage-redis`). */
  sharedLog?: SharedLog;
  /** This server's name in a cluster. @default a random id */
  nodeId?: string;
  /** In a cluster with a shared storage: how long a server may go silent before the others forget its clients. @default 5 × pingInterval */
  nodeTimeoutMs?: number;
  /** Milliseconds a broadcast writes before it yields the event loop and writes the rest in a later turn, in order (`Infinity`: in one go). @default 7 */
  fanOutSliceMs?: number;
}

/** Events of a {@link Server}. */
export interface ServerEvents {
  connection: [client: Client];
  /** A client joined a channel. */
  join: [client: Client, channel: string];
  /** A client left a channel (asked to, was made to, or closed). */
  leave: [client: Client, channel: string];
  error: [error: Error];
  close: [];
}

/**
 * The classic grappler server: `new Server([options], [fnHandleNormalHTTP], [fnAcceptClient])`,
 * with storage and every transport wired. Everything else is on `server.hub`.
 *
 * @example
 * const server = new Server({ origins: '*:*' });
 * server.on('connection', (client) => client.on('message', (m) => server.broadcast(m)));
 * server.listen(8080);
 */
export class Server extends EventEmitter<ServerEvents> {
  /** The hub behind this server: registry, `send`, `find`/`forEach`/`map`/`filter`. */
  readonly hub: Hub;
  /** The HTTP server grappler listens on. */
  readonly httpServer: HttpServer;
  readonly #policySniffer: PolicySniffer | undefined;
  readonly #serveClient: ClientHandler | undefined;

  constructor(options?: ServerOptions | null, handleNormalHttp?: HandleNormalHttp | false | null, acceptClient?: AcceptClientSocket | false | null) {
    super();
    const opts = options ?? {};
    this.hub = createHub(hubOptions(opts, acceptClient || undefined));
    this.hub.on('connection', (client) => this.emit('connection', client));
    this.hub.on('join', (client, channel) => this.emit('join', client, channel));
    this.hub.on('leave', (client, channel) => this.emit('leave', client, channel));
    this.hub.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    this.hub.on('close', () => this.emit('close'));
    const clientPath = opts.clientPath ?? DEFAULT_CLIENT_PATH;
    this.#serveClient = clientPath === false ? undefined : serveClient({ path: clientPath, logger: opts.logger });
    this.httpServer = opts.server ?? createServer();
    const handler = handleNormalHttp || undefined;
    this.httpServer.on('request', (req, res) => this.#onRequest(handler, req, res));
    this.hub.attach(this.httpServer, { requests: false });
    this.#policySniffer = policySniffer(this.httpServer, opts);
  }

  /** Starts listening (on every address when `host` is omitted). */
  listen(port: number, host?: string, callback?: () => void): this {
    if (host === undefined) this.httpServer.listen(port, callback);
    else this.httpServer.listen(port, host, callback);
    return this;
  }

  /** The bound address, once listening. */
  address(): AddressInfo | null {
    return this.httpServer.address() as AddressInfo | null;
  }

  /** Sends data to every connected client. */
  broadcast(data: string | Uint8Array, encoding?: BufferEncoding): void {
    this.hub.broadcast(data, encoding);
  }

  /** Sends data to every member of a channel (see `hub.publish`). */
  publish(channel: string, data: string | Uint8Array, options?: PublishOptions): void {
    this.hub.publish(channel, data, options);
  }

  /** A live view of a channel: this server's `members` and `size`; `clusterMembers()` and `clusterSize()` for every server of a cluster. */
  channel(name: string): ClusterChannel {
    return this.hub.channel(name);
  }

  /** Stops listening and severs every client; resolves when nothing is left open. */
  close(): Promise<void> {
    this.#policySniffer?.close();
    return this.hub.close();
  }

  /**
   * The seed's order: the application's handler first; if it sent headers (or returned a promise
   * that settled after sending them), grappler leaves the request alone; otherwise grappler serves
   * it when it is the client script's path or a transport claims it (see @grappler/http-session for
   * the routing rules), else 404.
   */
  async #onRequest(handler: HandleNormalHttp | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (handler) {
      try {
        await handler(req, res);
      } catch (error) {
        if (this.listenerCount('error') > 0) this.emit('error', error instanceof Error ? error : new Error(String(error)));
        if (!res.headersSent) res.writeHead(500).end();
        return;
      }
      if (res.headersSent || res.writableEnded) return;
    }
    if (this.#serveClient?.(req, res)) return;
    if (!this.hub.handleRequest(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
  }
}

function policySniffer(server: HttpServer, opts: ServerOptions): PolicySniffer | undefined {
  if (opts.flashPolicy === false) return undefined;
  const flash = opts.flashPolicy === true || opts.flashPolicy === undefined ? {} : opts.flashPolicy;
  return sniffPolicyRequests(server, {
    ...(opts.origins !== undefined && { origins: opts.origins }),
    ...(opts.logger && { logger: opts.logger }),
    ...flash,
  });
}

function hubOptions(opts: ServerOptions, acceptClient: AcceptClientSocket | undefined): HubOptions {
  const storage = opts.storage === undefined || typeof opts.storage === 'string' ? memoryStorage() : opts.storage;
  // Upgrades arrive on net.Socket (or its TLS subclass): give the seed's callback the type it expects.
  const accept: AcceptClient | undefined = acceptClient && ((socket) => acceptClient(socket as Socket));
  const transports: Transport[] = [];
  if (opts.websocket !== false) transports.push(websocketTransport(opts.websocket ?? {}));
  if (opts.sse !== false) transports.push(sseTransport(opts.sse ?? {}));
  if (opts.xhrMultipart !== false) transports.push(xhrMultipartTransport(opts.xhrMultipart ?? {}));
  if (opts.longpoll !== false) transports.push(longpollTransport(opts.longpoll ?? {}));
  return {
    storage,
    transports,
    ...(opts.logger && { logger: opts.logger }),
    ...(opts.origins !== undefined && { origins: opts.origins }),
    ...(opts.pingInterval !== undefined && { pingInterval: opts.pingInterval }),
    ...(opts.limits && { limits: opts.limits }),
    ...(accept && { acceptClient: accept }),
    ...(opts.identify && { identify: opts.identify }),
    ...(opts.authorizeJoin && { authorizeJoin: opts.authorizeJoin }),
    ...(opts.beforePublish && { beforePublish: opts.beforePublish }),
    ...(opts.filter && { filter: opts.filter }),
    ...(opts.publishSender !== undefined && { publishSender: opts.publishSender }),
    ...(opts.sharedLog && { sharedLog: opts.sharedLog }),
    ...(opts.nodeId !== undefined && { nodeId: opts.nodeId }),
    ...(opts.nodeTimeoutMs !== undefined && { nodeTimeoutMs: opts.nodeTimeoutMs }),
    ...(opts.fanOutSliceMs !== undefined && { fanOutSliceMs: opts.fanOutSliceMs }),
  };
}
