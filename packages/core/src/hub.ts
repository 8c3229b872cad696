import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Client, type ClientHost, type ConnectionInfo } from './client';
import { LOG, type LogLevel, STATE } from './constants';
import { GrapplerError, type GrapplerErrorCode, HandshakeError } from './errors';
import { createId } from './id';
import { admitConnection } from './admission';
import { ClientRegistry } from './registry';
import { interceptEvent } from './intercept';
import { rejectSocket } from './reject-socket';
import { type Limits, resolveLimits } from './limits';
import { type ControlFrame, isFramed, parseUpstreamEnvelope } from './framed';
import { OutboundMessage } from './message';
import { type Addressing, type LogEntry, MessageLog } from './message-log';
import { type OriginPattern, isOriginAllowed, parseOrigins } from './origins';
import { closeServer, settlesWithin } from './settle';
import type { KeyValueStore, Storage } from './storage';
import type { AttachedConnection, CloseReason, Connection, ConnectionMeta, HubPort, Transport } from './transport';

/** What a log entry costs beyond its payload, so that a flood of tiny messages is bounded too. */
const ENTRY_OVERHEAD_BYTES = 64;

/** A framed WebSocket peer is acknowledged at least every this many messages (and on every tick). */
const ACK_EVERY_MESSAGES = 32;

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
  readonly #log: MessageLog<OutboundMessage>;
  /** Framed clients by resume token. */
  readonly #tokens = new Map<string, Client>();
  /** What each framed client was last told of its upstream, and its token. */
  readonly #framed = new WeakMap<Client, { token: string; since: number; acked: number }>();
  #seq = 0;
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
    this.#log = new MessageLog(this.limits.backlogBytes);
    this.#host = {
      deliver: (message, except) => this.#deliver(message, except),
      deliverTo: (client, message) => {
        this.#enter(message, { to: client.id });
        return client.deliver(message, undefined);
      },
      end: (client, reason) => this.#onClosed(client, reason),
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

  /** The number of the newest message (docs/framed-mode.md); 0 before the first. */
  get seq(): number {
    return this.#seq;
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
    if (!graceful) for (const client of this.clients.values()) client.connection?.terminate();
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
    const framed = isFramed(connection.format);
    const resumed = framed && meta.resume ? this.#tokens.get(meta.resume.token) : undefined;
    if (resumed && meta.resume) return this.#resume(resumed, connection, meta, meta.resume.seq);
    const id = createId();
    const client = new Client({ id, ...connectionInfo(meta), state: STATE.ACCEPTED | meta.protocol }, connection, this.#host);
    this.clients.set(id, client);
    this.#startTicker();
    this.storage
      ?.addClient({ id, node: this.nodeId, transport: meta.transport, remoteAddress: client.remoteAddress, connectedAt: Date.now() })
      .catch((error: unknown) => this.#report(error, 'storage.addClient failed', 'ERR_STORAGE'));
    this.#logger(`client ${id} connected over ${meta.transport}${framed ? ' (framed)' : ''}`, LOG.INFO);
    if (framed) {
      const token = createId();
      this.#tokens.set(token, client);
      this.#framed.set(client, { token, since: this.#seq, acked: 0 });
      this.#control(connection, { t: 'hello', s: this.#seq, id, token, resumed: false, up: 0 }, this.#seq);
    }
    queueMicrotask(() => this.emit('connection', client));
    return this.#bind(client, connection);
  }

  /**
   * Attaches a new connection to a framed client: the old one, if the client still had it, is cut;
   * the new one gets `hello`, a `gap` if the log no longer holds all it missed, then the replay.
   */
  #resume(client: Client, connection: Connection, meta: ConnectionMeta, seq: number): AttachedConnection {
    const framed = this.#framed.get(client)!;
    // A cursor from before the client existed, or beyond the newest message, is clamped: no one
    // is replayed what was sent before they connected.
    const cursor = Math.min(Math.max(Number.isSafeInteger(seq) ? seq : 0, framed.since), this.#seq);
    const previous = client.reattach(connection, connectionInfo(meta), meta.protocol);
    previous?.terminate(); // its `closed` comes later and is ignored: it is no longer the client's
    this.#logger(`client ${client.id} resumed over ${meta.transport} after ${cursor}`, LOG.INFO);
    const replay = this.#log.replay(cursor, client.id);
    framed.acked = client.upstream;
    this.#control(connection, { t: 'hello', s: cursor, id: client.id, token: framed.token, resumed: true, up: client.upstream }, cursor);
    if (replay.gap) this.#control(connection, { t: 'gap', s: replay.gap.to, from: replay.gap.from }, replay.gap.to);
    for (const entry of replay.entries) client.deliver(entry.message, frameOf(entry, connection));
    return this.#bind(client, connection);
  }

  /** The callbacks of one connection; once another connection took over, its drops are ignored. */
  #bind(client: Client, connection: Connection): AttachedConnection {
    const framed = isFramed(connection.format);
    const current = (): boolean => client.connection === connection;
    return {
      client,
      message: (data) => {
        if (framed && typeof data === 'string') this.#receiveEnvelope(client, connection, data);
        else client.emit('message', data);
      },
      numbered: (first, messages) => {
        const delivered = client.receiveNumbered(first, messages);
        // The transport answers a numbered batch itself (an HTTP POST's X-Grappler-Up): no ack frame.
        const framedState = this.#framed.get(client);
        if (framedState) framedState.acked = client.upstream;
        return delivered;
      },
      drain: () => {
        if (current()) client.emit('drain');
      },
      error: (error) => {
        if (current()) this.#clientError(client, error);
      },
      closed: (reason) => {
        if (!current()) return;
        // A framed peer that vanished without a close frame (1006) may come back: keep it a while.
        if (framed && reason.code === 1006 && !this.#closed) {
          this.#logger(`client ${client.id} detached (${reason.reason || 'connection lost'})`, LOG.INFO);
          client.detach();
          return;
        }
        this.#onClosed(client, reason);
      },
    };
  }

  /** A framed peer's upstream message `{"u":n,"d":"text"}` over a WebSocket. */
  #receiveEnvelope(client: Client, connection: Connection, text: string): void {
    const envelope = parseUpstreamEnvelope(text);
    if (!envelope || !client.receiveNumbered(envelope.u, [envelope.d])) {
      const why = envelope ? `message ${envelope.u} skips ahead of ${client.upstream + 1}` : 'not a framed message {"u":n,"d":"text"}';
      this.#clientError(client, new GrapplerError('ERR_PROTOCOL', `framed upstream: ${why}`));
      return;
    }
    const framed = this.#framed.get(client)!;
    if (client.upstream - framed.acked >= ACK_EVERY_MESSAGES) this.#ack(client, connection);
  }

  #ack(client: Client, connection: Connection): void {
    const framed = this.#framed.get(client)!;
    framed.acked = client.upstream;
    this.#control(connection, { t: 'ack', up: client.upstream }, undefined);
  }

  #control(connection: Connection, control: ControlFrame, seq: number | undefined): void {
    if (isFramed(connection.format)) connection.write(connection.format.encodeControl(control), seq);
  }

  #clientError(client: Client, error: GrapplerError): void {
    this.#logger(`client ${client.id}: ${error.message}`, LOG.WARN);
    client.report(error);
  }

  #onClosed(client: Client, reason: CloseReason): void {
    if (!client.markClosed(reason)) return;
    this.clients.delete(client.id);
    const framed = this.#framed.get(client);
    if (framed) this.#tokens.delete(framed.token);
    if (this.clients.size === 0) this.#stopTicker();
    this.storage?.removeClient(client.id).catch((error: unknown) => this.#report(error, 'storage.removeClient failed', 'ERR_STORAGE'));
    this.#logger(`client ${client.id} closed (${reason.code} ${reason.reason})`, LOG.INFO);
  }

  /** Numbers a message and logs it with its addressing. */
  #enter(message: OutboundMessage, addressing: Addressing): LogEntry<OutboundMessage> {
    this.#seq += 1;
    message.seq = this.#seq;
    const entry = { seq: this.#seq, message, bytes: message.byteLength + ENTRY_OVERHEAD_BYTES, frames: new Map(), ...addressing };
    this.#log.append(entry);
    return entry;
  }

  #deliver(message: OutboundMessage, except: Client | undefined): void {
    const entry = this.#enter(message, except ? { except: except.id } : {});
    for (const client of this.clients.values()) {
      const connection = client.connection;
      if (client === except || !connection) continue;
      client.deliver(message, frameOf(entry, connection));
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
    this.#ticker = setInterval(() => this.#tick(), this.pingInterval).unref();
  }

  /** Pings, acknowledges framed upstream, and expires framed clients detached for `sessionIdleMs`. */
  #tick(): void {
    const now = Date.now();
    for (const client of [...this.clients.values()]) {
      const connection = client.connection;
      if (!connection) {
        const idle = now - client.detachedAt;
        if (idle < this.limits.sessionIdleMs) continue;
        const error = new GrapplerError('ERR_SESSION_EXPIRED', `not resumed within sessionIdleMs (${this.limits.sessionIdleMs} ms)`);
        client.report(error);
        this.#onClosed(client, { code: 1001, reason: 'session expired', error });
        continue;
      }
      connection.heartbeat?.();
      const framed = this.#framed.get(client);
      if (framed && client.upstream > framed.acked && client.connection === connection) this.#ack(client, connection);
    }
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

/** The frame of a logged message for `connection`'s format: encoded once per format, then shared. */
function frameOf(entry: LogEntry<OutboundMessage>, connection: Connection): unknown {
  const format = connection.format;
  let frame = entry.frames.get(format);
  if (frame === undefined) {
    frame = format.encode(entry.message);
    entry.frames.set(format, frame);
  }
  return frame;
}

function connectionInfo(meta: ConnectionMeta): ConnectionInfo {
  return { transport: meta.transport, version: meta.version, remoteAddress: meta.req.socket.remoteAddress ?? '', headers: meta.req.headers };
}

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new TypeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}
