import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Client, type ClientHost } from './client';
import { LOG, type LogLevel, STATE } from './constants';
import { GrapplerError, type GrapplerErrorCode, HandshakeError } from './errors';
import { createId } from './id';
import { admitConnection } from './admission';
import { ClientRegistry } from './registry';
import { interceptEvent } from './intercept';
import { rejectSocket } from './reject-socket';
import { type Limits, resolveLimits } from './limits';
import { OutboundMessage } from './message';
import { type OriginPattern, isOriginAllowed, parseOrigins } from './origins';
import { closeServer, settlesWithin } from './settle';
import type { KeyValueStore, Storage } from './storage';
import type { AttachedConnection, CloseReason, Connection, ConnectionMeta, HubPort, Transport, WireFormat } from './transport';

/** The accept hook: return false (or a promise of false) to drop a connection before any byte is written. */
export type AcceptClient = (socket: Duplex, req: IncomingMessage) => boolean | undefined | Promise<boolean | undefined>;

/** Options of {@link createHub}. */
export interface HubOptions {
  /** Receives debug information: a message and a {@link LOG} level. @default a no-op */
  logger?: (message: string, level: LogLevel) => void;
  /** Who may connect: `"hostname:port"`, `"hostname"`, `*` for either part. @default "*:*" */
  origins?: string | readonly string[];
  /** Milliseconds between heartbeats (pings, dead-peer checks). @default 3000 */
  pingInterval?: number;
  /** Where client records and per-client storage live, e.g. `memoryStorage()`. @default none: `client.storage` throws */
  storage?: Storage;
  /** Named limits; see {@link Limits} for defaults. */
  limits?: Partial<Limits>;
  /** Transports to serve, e.g. `[websocketTransport()]`; more can be added with `use()`. */
  transports?: readonly Transport[];
  /** The accept hook (the seed's `fnAcceptClient`). */
  acceptClient?: AcceptClient;
  /** This process's name in a cluster. @default a random id */
  nodeId?: string;
  /** Milliseconds `close()` waits for clients to finish their closing handshake before cutting them off. @default 1000 */
  closeTimeoutMs?: number;
}

/** Events of a {@link Hub}. */
export interface HubEvents {
  connection: [client: Client];
  /** Something went wrong that no single client owns (storage, a hook that threw). */
  error: [error: Error];
  /** The hub has closed. */
  close: [];
}

/** Options of {@link Hub.attach}. */
export interface AttachOptions {
  /** Route plain HTTP requests through grappler's transports before the server's own listeners. @default true */
  requests?: boolean;
}

/** Creates a hub: the registry of clients and the one place messages are encoded and delivered. */
export function createHub(options: HubOptions = {}): Hub {
  return new Hub(options);
}

/**
 * The hub accepts connections that transports hand it, keeps the registry and delivers
 * messages. It has no network code of its own: mount it with `attach(server)`, or call
 * `handleRequest`/`handleUpgrade` from any framework.
 */
export class Hub extends ClientRegistry<HubEvents> {
  readonly limits: Readonly<Limits>;
  readonly pingInterval: number;
  readonly nodeId: string;
  readonly storage: Storage | undefined;
  readonly #origins: readonly OriginPattern[];
  readonly #logger: (message: string, level: LogLevel) => void;
  readonly #acceptClient: AcceptClient | undefined;
  readonly #closeTimeoutMs: number;
  readonly #transports: Transport[] = [];
  readonly #servers = new Set<HttpServer>();
  readonly #host: ClientHost;
  readonly #port: HubPort;
  #ticker: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: HubOptions = {}) {
    super();
    this.limits = Object.freeze(resolveLimits(options.limits));
    this.pingInterval = positive('pingInterval', options.pingInterval ?? 3000);
    this.#closeTimeoutMs = positive('closeTimeoutMs', options.closeTimeoutMs ?? 1000);
    this.nodeId = options.nodeId ?? createId();
    this.storage = options.storage;
    this.#origins = parseOrigins(options.origins ?? '*:*');
    this.#logger = options.logger ?? (() => {});
    this.#acceptClient = options.acceptClient;
    for (const transport of options.transports ?? []) this.use(transport);
    this.#host = {
      deliver: (message, except) => this.#deliver(message, except),
      storageFor: (id) => this.#storageFor(id),
      maxBufferedBytes: this.limits.maxBufferedBytes,
    };
    this.#port = {
      limits: this.limits,
      pingInterval: this.pingInterval,
      allowsOrigin: (origin) => isOriginAllowed(origin, this.#origins),
      admit: (meta) => this.#admit(meta),
      attach: (connection, meta) => this.#attach(connection, meta),
      log: (message, level) => this.#logger(message, level),
    };
  }

  /** Adds a transport; the first whose `matches()` accepts a request serves it. */
  use(transport: Transport): this {
    this.#transports.push(transport);
    return this;
  }

  /** Sends data to every connected client, encoded once per wire format. */
  broadcast(data: string | Uint8Array, encoding?: BufferEncoding): void {
    this.#deliver(new OutboundMessage(data, encoding), undefined);
  }

  /** Sends data to one client; false when no client has that id. */
  send(clientId: string, data: string | Uint8Array, encoding?: BufferEncoding): boolean {
    const client = this.clients.get(clientId);
    if (!client) return false;
    client.write(data, encoding);
    return true;
  }

  /** Serves a plain HTTP request when a transport claims it; false leaves it to the application. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const transport = this.#transports.find((t) => t.handleRequest && t.matches(req));
    if (!transport?.handleRequest) return false;
    transport.handleRequest(req, res, this.#port);
    return true;
  }

  /** Serves an HTTP upgrade when a transport claims it; false leaves the socket to the application. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const transport = this.#transports.find((t) => t.handleUpgrade && t.matches(req));
    if (!transport?.handleUpgrade) return false;
    transport.handleUpgrade(req, socket, head, this.#port);
    return true;
  }

  /**
   * Mounts the hub on an `http`/`https` server: upgrades (and, unless `requests: false`, plain
   * requests) that a transport claims are served; the rest go to the server's own listeners.
   * An upgrade nobody handles gets 400. `close()` closes the server too.
   */
  attach(server: HttpServer, options: AttachOptions = {}): this {
    this.#servers.add(server);
    interceptEvent<[IncomingMessage, Duplex, Buffer]>(
      server,
      'upgrade',
      (req, socket, head) => this.handleUpgrade(req, socket, head),
      (_req, socket) => rejectSocket(socket, 400),
    );
    if (options.requests !== false) {
      interceptEvent<[IncomingMessage, ServerResponse]>(
        server,
        'request',
        (req, res) => this.handleRequest(req, res),
        (_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n'),
      );
    }
    return this;
  }

  /** A Connect/Express middleware: grappler's requests are served, the rest go to `next()`. */
  middleware(): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
    return (req, res, next) => {
      if (!this.handleRequest(req, res)) next();
    };
  }

  /**
   * Severs every client (close code 1001), closes attached servers, transports and storage,
   * and stops the ticker: no handle is left open, so the process can exit.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTicker();
    const clients = [...this.clients.values()];
    const gone = clients.map((client) => new Promise<void>((resolve) => client.once('close', () => resolve())));
    for (const client of clients) client.close(1001, 'server shutting down');
    const servers = [...this.#servers].map(closeServer);
    const graceful = await settlesWithin(Promise.all(gone), this.#closeTimeoutMs);
    if (!graceful) for (const client of this.clients.values()) client.connection.terminate();
    for (const transport of this.#transports) transport.close?.();
    await Promise.all(servers);
    await this.storage?.close();
    this.emit('close');
  }

  async #admit(meta: ConnectionMeta): Promise<HandshakeError | null> {
    if (this.#closed) return new HandshakeError('ERR_CLOSED', 503, 'the hub is closed');
    return admitConnection(meta, {
      acceptClient: this.#acceptClient,
      origins: this.#origins,
      maxClients: this.limits.maxClients,
      clients: this.clients.size,
      onHookError: (error) => this.#report(error, 'the accept hook threw; connection dropped'),
    });
  }

  #attach(connection: Connection, meta: ConnectionMeta): AttachedConnection {
    const id = createId();
    const client = new Client(
      {
        id,
        transport: meta.transport,
        version: meta.version,
        remoteAddress: meta.req.socket.remoteAddress ?? '',
        headers: meta.req.headers,
        state: STATE.ACCEPTED | meta.protocol,
      },
      connection,
      this.#host,
    );
    this.clients.set(id, client);
    this.#startTicker();
    this.storage
      ?.addClient({ id, node: this.nodeId, transport: meta.transport, remoteAddress: client.remoteAddress, connectedAt: Date.now() })
      .catch((error: unknown) => this.#report(error, 'storage.addClient failed', 'ERR_STORAGE'));
    this.#logger(`client ${id} connected over ${meta.transport}`, LOG.INFO);
    queueMicrotask(() => this.emit('connection', client));
    return {
      client,
      message: (data) => client.emit('message', data),
      drain: () => client.emit('drain'),
      error: (error) => this.#clientError(client, error),
      closed: (reason) => this.#onClosed(client, reason),
    };
  }

  #clientError(client: Client, error: GrapplerError): void {
    this.#logger(`client ${client.id}: ${error.message}`, LOG.WARN);
    client.report(error);
  }

  #onClosed(client: Client, reason: CloseReason): void {
    if (!client.markClosed(reason)) return;
    this.clients.delete(client.id);
    if (this.clients.size === 0) this.#stopTicker();
    this.storage?.removeClient(client.id).catch((error: unknown) => this.#report(error, 'storage.removeClient failed', 'ERR_STORAGE'));
    this.#logger(`client ${client.id} closed (${reason.code} ${reason.reason})`, LOG.INFO);
  }

  #deliver(message: OutboundMessage, except: Client | undefined): void {
    const frames = new Map<WireFormat, unknown>();
    for (const client of this.clients.values()) {
      if (client === except) continue;
      const format = client.connection.format;
      let frame = frames.get(format);
      if (frame === undefined) {
        frame = format.encode(message);
        frames.set(format, frame);
      }
      client.deliver(message, frame);
    }
  }

  #storageFor(id: string): KeyValueStore {
    if (!this.storage) {
      throw new TypeError('client.storage needs a storage backend: createHub({ storage: memoryStorage() })');
    }
    return this.storage.clientStore(id);
  }

  #startTicker(): void {
    if (this.#ticker) return;
    // One timer for every client, unref'd: the hub alone never keeps a process alive.
    this.#ticker = setInterval(() => {
      for (const client of this.clients.values()) client.connection.heartbeat?.();
    }, this.pingInterval).unref();
  }

  #stopTicker(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  /** Reports a failure no single client owns; storage failures become `ERR_STORAGE` with their cause. */
  #report(error: unknown, context: string, code?: GrapplerErrorCode): void {
    const message = `${context}: ${error instanceof Error ? error.message : String(error)}`;
    const wrapped = code ? new GrapplerError(code, message, { cause: error }) : error instanceof Error ? error : new Error(message);
    this.#logger(message, LOG.ERROR);
    // An unhandled 'error' event would crash the process; a server logs instead.
    if (this.listenerCount('error') > 0) this.emit('error', wrapped);
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new TypeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}
