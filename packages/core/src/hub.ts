import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Client, type ClientHost, type ConnectionInfo } from './client';
import { HubConnectionEvents } from './connection-events';
import { LOG, type LogLevel, STATE } from './constants';
import { GrapplerError, type GrapplerErrorCode, HandshakeError } from './errors';
import { createId } from './id';
import { keptHeaders } from './kept-headers';
import { admitConnection, limitRefusal } from './admission';
import { ClientRegistry } from './registry';
import { FanOutWriter, type RecipientFilter, frameOf } from './fan-out';
import { interceptEvent } from './intercept';
import { PendingWrites } from './pending-writes';
import { rejectSocket } from './reject-socket';
import { type Limits, resolveLimits } from './limits';
import { ChannelRegistry, type ClusterChannel } from './channels';
import { type ReplyFrame, type UpstreamItem, isFramed } from './framed';
import { FramedClients } from './framed-clients';
import { type ChannelHooks, refusalOf } from './hooks';
import { Membership } from './membership';
import { SerialQueue } from './serial-queue';
import { OutboundMessage } from './message';
import { type Addressing, type LogEntry, MessageLog, addressedTo } from './message-log';
import { type OriginPattern, isOriginAllowed, parseOrigins } from './origins';
import { closeServer, settlesWithin } from './settle';
import type { SharedLog, SharedLogAppend, SharedLogEntry } from './shared-log';
import { type OutboxEntry, SharedOutbox } from './shared-outbox';
import { type ClusterControl, controlOf, routeShared, sharedMessage } from './shared-entry';
import { SharedNumbering } from './shared-numbering';
import { WaitingFanOut } from './waiting-fan-out';
import { RESUME_RECORD_KEY, type RemoteResume, type ResumeRecord, clientIdOf, fetchRemoteResume, saveResumeRecord } from './cluster-resume';
import type { KeyValueStore, Storage } from './storage';
import type { CloseReason, Connection, ConnectionMeta, HubPort, Transport } from './transport';

/** What a log entry costs beyond its payload, so that a flood of tiny messages is bounded too. */
const ENTRY_OVERHEAD_BYTES = 64;
/** The heartbeat visits the clients in this many slices, one every `pingInterval / HEARTBEAT_SLICES`. */
const HEARTBEAT_SLICES = 10;

/**
 * A client's heartbeat slice, from its id: ids are random, so the slices are about even, and a
 * client keeps its slice for life (its pings stay `pingInterval` apart whoever comes and goes).
 */
function heartbeatSlice(id: string): number {
  return id.length === 0 ? 0 : id.charCodeAt(id.length - 1) % HEARTBEAT_SLICES;
}

/**
 * A fan-out to about a thousand WebSocket clients (on our 2-core benchmark machine) is written in
 * one go; larger ones yield between slices. In the benchmark's mixed hold of 10,000 clients the
 * loop's delay p99 was about 53 ms with 10 ms slices, 42 with 7 and 38 with 5; but with 5 a
 * fan-out to 1,000 clients was sliced, and cost about 10 % more CPU per delivery (bench/README.md).
 */
const DEFAULT_FAN_OUT_SLICE_MS = 7;

/** How often held messages are offered again to an unreachable shared log (at most `pingInterval`). */
const OUTBOX_RETRY_MS = 500;

/** Admission's answer when nothing refuses: one settled promise, shared. */
const ADMITTED: Promise<null> = Promise.resolve(null);

/** A fan-out's recipients, all of them. */
const EVERYONE: RecipientFilter = { except: undefined, only: undefined };

/** The accept hook: return false (or a promise of false) to drop a connection before any byte is written. */
export type AcceptClient = (socket: Duplex, req: IncomingMessage) => boolean | undefined | Promise<boolean | undefined>;

/** Options of {@link createHub}; the channel hooks (`identify`, `authorizeJoin`, `beforePublish`, `filter`) are {@link ChannelHooks}. */
export interface HubOptions extends ChannelHooks {
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
  /** Whether what a client publishes carries its `client.user` as sender (`from`) unless `beforePublish` says otherwise. @default false */
  publishSender?: boolean;
  /**
   * A log shared with other hubs (nodes), which then act as one: every message any of them sends
   * is numbered once and delivered by each to its own clients, in one order. `close()` closes it.
   * @default none: this hub alone
   */
  sharedLog?: SharedLog;
  /**
   * In a cluster whose `storage` keeps node liveness (`redisStorage()`): how long a node may go
   * without saying it is alive (it does every `pingInterval`) before the others forget its
   * clients (`clusterSize()` stops counting them). @default 5 × pingInterval
   */
  nodeTimeoutMs?: number;
  /**
   * Milliseconds a fan-out (a broadcast, a channel publish) writes before it yields the event
   * loop and writes the rest in a later turn, in order: a fan-out to tens of thousands of clients
   * then does not hold up every other socket, request and timer for its whole length. `Infinity`
   * writes each fan-out in one go. @default 7
   */
  fanOutSliceMs?: number;
}

/** Options of {@link Hub.publish}. */
export interface PublishOptions {
  /** A member (or its id) that does not receive this one, e.g. its sender. */
  except?: Client | string;
  /** Who sent it, as framed members see it (`from`); JSON-serialisable. */
  sender?: unknown;
  /** As for `write`: a string in another encoding stands for bytes. */
  encoding?: BufferEncoding;
}

/** What {@link Hub.to} returns: somewhere to send. */
export interface Target {
  /** Sends data there; false when there was no one to send it to. */
  send(data: string | Uint8Array, encoding?: BufferEncoding): boolean;
}

/** Events of a {@link Hub}. */
export interface HubEvents {
  connection: [client: Client];
  /** A client joined a channel (after `authorizeJoin`). */
  join: [client: Client, channel: string];
  /** A client left a channel: it asked, the application made it, or it closed. */
  leave: [client: Client, channel: string];
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
  /** Undefined without a logger: `this.#logger?.(`…`)` then builds no message. */
  readonly #logger: ((message: string, level: LogLevel) => void) | undefined;
  readonly #acceptClient: AcceptClient | undefined;
  readonly #closeTimeoutMs: number;
  readonly #transports: Transport[] = [];
  readonly #servers = new Set<HttpServer>();
  readonly #host: ClientHost;
  readonly #port: HubPort;
  readonly #log: MessageLog<OutboundMessage>;
  readonly #framed = new FramedClients();
  readonly #channels = new ChannelRegistry();
  readonly #membership: Membership;
  readonly #hooks: ChannelHooks;
  /** Outbound deliveries, in order even while a `filter` hook answers with a promise or a fan-out yields between slices. */
  readonly #deliveries = new SerialQueue();
  readonly #fanOuts: FanOutWriter;
  /** The fan-out queued last, while like broadcasts may still join it (see WaitingFanOut). */
  #waitingFanOut: WaitingFanOut | undefined;
  /** What `identify` said of a request, from admission to attach. */
  readonly #identities = new WeakMap<IncomingMessage, unknown>();
  readonly #sharedLog: SharedLog | undefined;
  /** Where messages for the shared log go: it holds them while the log is unreachable. */
  readonly #outbox: SharedOutbox | undefined;
  /** Framed clients of other nodes looked up at admission, adopted at attach. */
  readonly #remoteResumes = new WeakMap<IncomingMessage, RemoteResume>();
  /** The upstream position last saved in each framed client's resume record. */
  readonly #savedUpstream = new WeakMap<Client, number>();
  /** Storage writes run in the background, failures reported: `close()` lets them finish before closing the storage. */
  readonly #storageWrites = new PendingWrites((error, context) => this.#report(error, context, 'ERR_STORAGE'));
  /** Clients another node took over: they go from here without a trace in storage or channels' leave events. */
  readonly #movedAway = new WeakSet<Client>();
  /** Clients attached in this turn whose `connection` event waits for the transport to finish binding them. */
  #unannounced: Client[] = [];
  #seq = 0;
  readonly #subscribed: Promise<void>;
  /** Whether `#subscribed` has settled: admission need not wait for it. */
  #subscribedYet: boolean;
  /** This node's numbers for the shared log's entries (they differ from the log's once it lost its own). */
  readonly #numbering = new SharedNumbering();
  #ticker: NodeJS.Timeout | undefined;
  /** Which slice of the clients the next tick visits (see {@link heartbeatSlice}). */
  #tickSlice = 0;
  /** In a cluster: says this node is alive, every `pingInterval` (clients or not). */
  #heartbeat: NodeJS.Timeout | undefined;
  #heartbeatFailing = false;
  #closed = false;

  constructor(options: HubOptions = {}) {
    super();
    this.limits = Object.freeze(resolveLimits(options.limits));
    this.pingInterval = positive('pingInterval', options.pingInterval ?? 3000);
    this.#closeTimeoutMs = positive('closeTimeoutMs', options.closeTimeoutMs ?? 1000);
    this.nodeId = options.nodeId ?? createId();
    this.storage = options.storage;
    this.#origins = parseOrigins(options.origins ?? '*:*');
    this.#logger = options.logger;
    this.#acceptClient = options.acceptClient;
    for (const transport of options.transports ?? []) this.use(transport);
    this.#log = new MessageLog(this.limits.backlogBytes);
    const fanOutSliceMs = positive('fanOutSliceMs', options.fanOutSliceMs ?? DEFAULT_FAN_OUT_SLICE_MS);
    this.#fanOuts = new FanOutWriter(fanOutSliceMs, this.#deliveries, (error) => this.#report(error, 'a fan-out failed part way'));
    this.#sharedLog = options.sharedLog;
    this.#outbox =
      options.sharedLog &&
      new SharedOutbox(options.sharedLog, {
        maxHeldBytes: this.limits.clusterQueueBytes,
        retryMs: Math.min(this.pingInterval, OUTBOX_RETRY_MS),
        early: (entry) => this.#deliverEarly(entry),
        report: (error, context) => this.#report(error, context, 'ERR_STORAGE'),
        log: (message) => this.#logger?.(message, LOG.INFO),
      });
    const subscribed = this.#sharedLog?.subscribe(
      (entry) => this.#receiveShared(entry),
      (error) => this.#sharedLogFailed(error),
    );
    // A client admitted before the subscription has its start could miss what is sent right after.
    this.#subscribedYet = subscribed === undefined;
    this.#subscribed = Promise.resolve(subscribed)
      .catch(() => {})
      .then(() => {
        this.#subscribedYet = true;
      });
    if (options.sharedLog && this.storage?.heartbeat) {
      const timeoutMs = positive('nodeTimeoutMs', options.nodeTimeoutMs ?? 5 * this.pingInterval);
      // First now: the storage sees this node alive before any client it adds (one connection, in order).
      this.#beat(timeoutMs);
      this.#heartbeat = setInterval(() => this.#beat(timeoutMs), this.pingInterval).unref();
    }
    const { identify, authorizeJoin, beforePublish, filter } = options;
    this.#hooks = { ...(identify && { identify }), ...(authorizeJoin && { authorizeJoin }), ...(beforePublish && { beforePublish }), ...(filter && { filter }) };
    this.#membership = new Membership({
      registry: this.#channels,
      hooks: this.#hooks,
      maxChannelsPerClient: this.limits.maxChannelsPerClient,
      publishSender: options.publishSender === true,
      publish: (channel, data, sender) => this.#send(new OutboundMessage(data, undefined, { channel, sender }), { channel }, undefined),
      reply: (client, frame) => this.#reply(client, frame),
      joined: (client, channel) => {
        this.#persist(client);
        if (this.storage) this.#storageWrites.add(this.storage.addMember(channel, client.id), 'storage.addMember failed');
        this.emit('join', client, channel);
      },
      left: (client, channel) => {
        this.#persist(client);
        if (this.storage) this.#storageWrites.add(this.storage.removeMember(channel, client.id), 'storage.removeMember failed');
        this.emit('leave', client, channel);
      },
    });
    this.#host = {
      deliver: (message, except) => this.#send(message, except ? { except: except.id } : {}, except),
      deliverTo: (client, message) => this.#sendTo(client.id, message, client),
      end: (client, reason) => this.#onClosed(client, reason),
      receive: (client, item, ref) => this.#membership.receive(client, item, ref),
      channelsOf: (client) => this.#channels.channelsOf(client),
      join: (client, channel) => this.#membership.join(client, channel),
      leave: (client, channel) => this.#membership.leave(client, channel),
      publishFrom: (client, channel, data) => this.#membership.publishFrom(client, channel, data),
      storageFor: (id) => this.#storageFor(id),
      maxBufferedBytes: this.limits.maxBufferedBytes,
      highWaterMarkBytes: this.limits.highWaterMarkBytes,
    };
    const events = new HubConnectionEvents({
      receiveFramed: (client, connection, data) => {
        const error = this.#framed.receive(client, connection, data);
        if (error) this.#clientError(client, error);
        else this.#persistUpstream(client);
      },
      receiveNumbered: (client, first, messages) => {
        const delivered = client.receiveNumbered(first, messages);
        this.#framed.acknowledged(client); // the transport answers a numbered batch itself
        this.#persistUpstream(client);
        return delivered;
      },
      clientError: (client, error) => this.#clientError(client, error),
      closed: (client, framed, reason) => {
        // A framed peer that vanished without a close frame (1006) may come back: keep it a while.
        if (framed && reason.code === 1006 && !this.#closed) {
          this.#logger?.(`client ${client.id} detached (${reason.reason || 'connection lost'})`, LOG.INFO);
          client.detach();
          return;
        }
        this.#onClosed(client, reason);
      },
    });
    this.#port = {
      limits: this.limits,
      pingInterval: this.pingInterval,
      fanOutSliceMs,
      allowsOrigin: (origin) => isOriginAllowed(origin, this.#origins),
      admit: (meta) => this.#admit(meta),
      attach: (connection, meta) => this.#attach(connection, meta),
      events,
      log: (message, level) => this.#logger?.(message, level),
      ...(options.sharedLog && { forwardUpstream: (token: string, first: number, items: readonly UpstreamItem[]) => this.#forwardUpstream(token, first, items) }),
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

  /**
   * How many clients the whole cluster has, as its shared `storage` counts them (one call, e.g.
   * `SCARD` in Redis); this node's `size` without a storage. Clients of a node that died without
   * closing them stay counted until they resume elsewhere or their records are removed.
   */
  async clusterSize(): Promise<number> {
    return this.storage ? this.storage.countClients() : this.size;
  }

  /** Sends data to every connected client, encoded once per wire format. */
  broadcast(data: string | Uint8Array, encoding?: BufferEncoding): void {
    this.#send(new OutboundMessage(data, encoding), {}, undefined);
  }

  /**
   * Sends data to every member of a channel, encoded once per wire format whatever their number
   * (the application's own publish: `beforePublish` is for what clients publish).
   */
  publish(channel: string, data: string | Uint8Array, options: PublishOptions = {}): void {
    const except = typeof options.except === 'string' ? this.clients.get(options.except) : options.except;
    const message = new OutboundMessage(data, options.encoding, { channel, sender: options.sender });
    this.#send(message, { channel, ...(except ? { except: except.id } : {}) }, except);
  }

  /**
   * A live view of a channel: this node's `members` and `size`, and, through the storage, its
   * members on every node (`clusterMembers()`, `clusterSize()`).
   */
  channel(name: string): ClusterChannel {
    const view = this.#channels.view(name);
    const local = (): string[] => [...view.members].map((client) => client.id);
    return Object.assign(view, {
      clusterMembers: async () => (this.storage ? this.storage.members(name) : local()),
      clusterSize: async () => (this.storage ? this.storage.countMembers(name) : view.size),
    });
  }

  /** A client (by id) or, when no client has that id, a channel: `hub.to(idOrChannel).send(data)`. */
  to(target: string): Target {
    return {
      send: (data, encoding) => {
        const client = this.clients.get(target);
        if (client) return this.#sendTo(client.id, new OutboundMessage(data, encoding), client);
        if (this.#sharedLog) {
          // Another node may hold a client of that id, or members of that channel: each decides.
          this.#share(new OutboundMessage(data, encoding, { channel: target }), { to: target, channel: target });
          return true;
        }
        if (this.#channels.members(target).size === 0) return false;
        this.publish(target, data, encoding ? { encoding } : {});
        return true;
      },
    };
  }

  /** Sends data to one client; false when no client has that id here (in a cluster: true, sent to whichever node holds it). */
  send(clientId: string, data: string | Uint8Array, encoding?: BufferEncoding): boolean {
    const client = this.clients.get(clientId);
    // In a cluster the client may be on another node: the message goes to all of them.
    if (!client && !this.#sharedLog) return false;
    this.#sendTo(clientId, new OutboundMessage(data, encoding), client);
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
    clearInterval(this.#heartbeat);
    const clients = [...this.clients.values()];
    const gone = clients.map((client) => new Promise<void>((resolve) => client.once('close', () => resolve())));
    for (const client of clients) client.close(1001, 'server shutting down');
    const servers = [...this.#servers].map(closeServer);
    const graceful = await settlesWithin(Promise.all(gone), this.#closeTimeoutMs);
    if (!graceful) for (const client of this.clients.values()) client.connection?.terminate();
    for (const transport of this.#transports) transport.close?.();
    await Promise.all(servers);
    await this.#storageWrites.settled(); // the last removals, before the storage closes
    await this.storage?.close();
    this.#outbox?.close();
    await this.#sharedLog?.close();
    this.emit('close');
  }

  /**
   * Without a hook or a lookup to wait for (the usual case), admission is decided at once: a
   * handshake then makes no async function's promises and closures, garbage that thousands of
   * connecting clients add up (and that grows the young generation the process keeps).
   */
  #admit(meta: ConnectionMeta): Promise<HandshakeError | null> {
    if (this.#closed) return Promise.resolve(new HandshakeError('ERR_CLOSED', 503, 'the hub is closed'));
    if (this.#subscribedYet && !this.#acceptClient && !this.#hooks.identify && !this.#mayBeRemoteResume(meta)) {
      const refusal = limitRefusal(meta, this.#origins, this.limits.maxClients, this.clients.size);
      return refusal ? Promise.resolve(refusal) : ADMITTED;
    }
    return this.#admitAfterWaiting(meta);
  }

  async #admitAfterWaiting(meta: ConnectionMeta): Promise<HandshakeError | null> {
    await this.#subscribed;
    if (this.#closed) return new HandshakeError('ERR_CLOSED', 503, 'the hub is closed');
    const refusal = await admitConnection(meta, {
      acceptClient: this.#acceptClient,
      origins: this.#origins,
      maxClients: this.limits.maxClients,
      clients: this.clients.size,
      onHookError: (error) => this.#report(error, 'the accept hook threw; connection dropped'),
    });
    if (refusal) return refusal;
    if (this.#hooks.identify) {
      let user: unknown;
      // Only a throw refuses: any value, false included, is the identity.
      const reason = await refusalOf(async () => {
        user = await this.#hooks.identify?.(meta.req);
      }, 'identify refused');
      if (reason !== null) return new HandshakeError('ERR_FORBIDDEN', 403, `identify: ${reason}`);
      this.#identities.set(meta.req, user);
    }
    await this.#lookUpRemoteResume(meta);
    return null;
  }

  /** A framed client resuming with a token this node does not hold: another node may hold it. */
  #mayBeRemoteResume(meta: ConnectionMeta): boolean {
    return meta.resume !== undefined && this.#sharedLog !== undefined && this.storage !== undefined && !this.#numbering.renumbered && !this.#framed.byToken(meta.resume.token);
  }

  /** A framed client resuming here whose token this node does not hold may be another node's. */
  async #lookUpRemoteResume(meta: ConnectionMeta): Promise<void> {
    // (The last three are known from #mayBeRemoteResume; they narrow the types.)
    if (!this.#mayBeRemoteResume(meta) || !meta.resume || !this.storage || !this.#sharedLog) return;
    try {
      const remote = await fetchRemoteResume(this.storage, this.#sharedLog, meta.resume);
      if (remote) this.#remoteResumes.set(meta.req, remote);
    } catch (error) {
      this.#report(error, 'a client resuming from another node could not be looked up; it starts anew', 'ERR_STORAGE');
    }
  }

  #attach(connection: Connection, meta: ConnectionMeta): Client {
    const framed = isFramed(connection.format);
    const resumed = framed && meta.resume ? this.#framed.byToken(meta.resume.token) : undefined;
    if (resumed && meta.resume) return this.#resume(resumed, connection, meta, meta.resume.seq);
    const remote = framed ? this.#remoteResumes.get(meta.req) : undefined;
    const id = remote?.id ?? createId();
    const client = new Client(id, connectionInfo(meta), STATE.ACCEPTED | meta.protocol, this.#identities.get(meta.req), connection, this.#host);
    this.clients.set(id, client);
    this.#startTicker();
    if (this.storage) {
      const record = { id, node: this.nodeId, transport: meta.transport, remoteAddress: client.remoteAddress, connectedAt: Date.now() };
      this.#storageWrites.add(this.storage.addClient(record), 'storage.addClient failed');
    }
    this.#logger?.(`client ${id} connected over ${meta.transport}${framed ? ' (framed)' : ''}`, LOG.INFO);
    if (remote) this.#adopt(client, connection, remote);
    else if (framed) this.#framed.greet(client, connection, this.#seq);
    this.#persist(client);
    this.#announce(client);
    return this.#bind(client);
  }

  /**
   * Attaches a new connection to a framed client: the old one, if the client still had it, is cut;
   * the new one gets `hello`, a `gap` if the log no longer holds all it missed, then the replay.
   */
  #resume(client: Client, connection: Connection, meta: ConnectionMeta, seq: number): Client {
    const cursor = this.#framed.cursorFor(client, seq, this.#seq);
    const previous = client.reattach(connection, connectionInfo(meta), meta.protocol);
    previous?.terminate(); // its `closed` comes later and is ignored: it is no longer the client's
    this.#logger?.(`client ${client.id} resumed over ${meta.transport} after ${cursor}`, LOG.INFO);
    const replay = this.#log.replay(cursor, client.id, (channel) => this.#channels.has(channel, client));
    this.#framed.greetResumed(client, connection, cursor, replay.gap);
    for (const entry of replay.entries) client.deliver(entry.message, frameOf(entry, connection));
    return this.#bind(client);
  }

  /**
   * Takes over a framed client another node held: same id, token, upstream and channels; the
   * other node is told to let it go; the client gets `hello`, a `gap` if the log lost some of what
   * it missed, and the rest, from the shared log (what this node has not delivered yet follows by
   * itself) and from this node's own log.
   */
  #adopt(client: Client, connection: Connection, remote: RemoteResume): void {
    client.restoreUpstream(remote.record.upstream);
    this.#framed.adopt(client, remote.record.token, remote.record.since);
    for (const channel of remote.record.channels) {
      this.#channels.add(channel, client);
      // The other node's memberships stand, unless a sweep took them (it stopped): said again.
      if (this.storage) this.#storageWrites.add(this.storage.addMember(channel, client.id), 'storage.addMember failed');
    }
    const moved: ClusterControl = { t: 'moved' };
    this.#share(new OutboundMessage('', undefined, { reply: moved as unknown as ReplyFrame }), { to: client.id });
    this.#logger?.(`client ${client.id} taken over from another node after ${remote.cursor}`, LOG.INFO);
    const gap = remote.cursor < remote.evictedThrough ? { from: remote.cursor + 1, to: remote.evictedThrough } : undefined;
    this.#framed.greetResumed(client, connection, remote.cursor, gap);
    const memberOf = (channel: string): boolean => this.#channels.has(channel, client);
    const missed = new Map<number, OutboundMessage>();
    for (const entry of remote.entries) {
      if (entry.seq > this.#seq || controlOf(entry)) continue; // not delivered here yet: the subscription brings it
      if (addressedTo(entry, client.id, memberOf)) missed.set(entry.seq, sharedMessage(entry, entry.channel));
    }
    for (const entry of this.#log.replay(remote.cursor, client.id, memberOf).entries) missed.set(entry.seq, entry.message);
    for (const seq of [...missed.keys()].sort((a, b) => a - b)) client.deliver(missed.get(seq)!, undefined);
  }

  /** Keeps a framed client's resume record in storage, for another node of the cluster to take it over. */
  #persist(client: Client): void {
    const state = this.#framed.stateOf(client);
    if (!this.#sharedLog || !this.storage || !state || client.closed) return;
    this.#savedUpstream.set(client, client.upstream);
    const record = { token: state.token, since: state.since, upstream: client.upstream, channels: [...this.#channels.channelsOf(client)] };
    this.#storageWrites.add(saveResumeRecord(this.storage, client.id, record), 'a resume record could not be saved');
  }

  /**
   * In a cluster, the upstream position is saved as soon as it moves: a node that takes the
   * client over must not deliver again what this one delivered.
   */
  #persistUpstream(client: Client): void {
    if (this.#sharedLog && this.#savedUpstream.get(client) !== client.upstream) this.#persist(client);
  }

  /** Upstream for a framed client this node has no session for: checked by its token, passed to the node that holds it. */
  async #forwardUpstream(token: string, first: number, items: readonly UpstreamItem[]): Promise<boolean> {
    const local = this.#framed.byToken(token);
    if (local) {
      local.receiveNumbered(first, items);
      this.#persistUpstream(local);
      return true;
    }
    const id = clientIdOf(token);
    if (id === undefined || !this.storage) return false;
    const record = await this.storage.clientStore(id).get<ResumeRecord>(RESUME_RECORD_KEY);
    if (record?.token !== token) return false;
    const control: ClusterControl = { t: 'upstream', first, items };
    this.#share(new OutboundMessage('', undefined, { reply: control as unknown as ReplyFrame }), { to: id });
    return true;
  }

  /** Another node took `client` over: it goes from here quietly (its record and channels now belong there). */
  #letGo(client: Client, node: string): void {
    this.#movedAway.add(client);
    const connection = client.connection;
    this.#onClosed(client, { code: 4001, reason: `moved to ${node}` });
    connection?.terminate();
  }

  /**
   * Emits `connection` once the transport that attached the client has bound it (a microtask
   * later), for every client attached in the turn at once: one callback per burst of handshakes,
   * not a closure for each.
   */
  #announce(client: Client): void {
    if (this.#unannounced.push(client) > 1) return;
    queueMicrotask(() => {
      const clients = this.#unannounced;
      this.#unannounced = [];
      for (const each of clients) {
        try {
          this.emit('connection', each);
        } catch (error) {
          // As uncaught as when each client had a microtask of its own, and the others still hear of theirs.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    });
  }

  /** A connection is the client's now: a fan-out under way leaves it out. */
  #bind(client: Client): Client {
    this.#fanOuts.attached(client);
    return client;
  }

  #clientError(client: Client, error: GrapplerError): void {
    this.#logger?.(`client ${client.id}: ${error.message}`, LOG.WARN);
    client.report(error);
  }

  #onClosed(client: Client, reason: CloseReason): void {
    if (!client.markClosed(reason)) return;
    this.clients.delete(client.id);
    this.#framed.forget(client);
    const moved = this.#movedAway.has(client);
    for (const channel of [...this.#channels.channelsOf(client)]) {
      this.#channels.remove(channel, client);
      if (!moved) this.emit('leave', client, channel);
    }
    if (this.clients.size === 0) this.#stopTicker();
    if (!moved && this.storage) this.#storageWrites.add(this.storage.removeClient(client.id), 'storage.removeClient failed');
    this.#logger?.(`client ${client.id} closed (${reason.code} ${reason.reason})`, LOG.INFO);
  }

  /**
   * Sends a message: delivered here at once, or, in a cluster, appended to the shared log, from
   * which every node (this one too) delivers it to its own clients in the log's order.
   */
  #send(message: OutboundMessage, addressing: Addressing, except: Client | undefined): void {
    if (this.#sharedLog) this.#share(message, addressing);
    else this.#fanOut(message, addressing, except);
  }

  /** One message for the client `id` (`client` when it is here); in a cluster it may be on another node. */
  #sendTo(id: string, message: OutboundMessage, client: Client | undefined): boolean {
    if (this.#sharedLog) {
      this.#share(message, { to: id });
      return client === undefined || client.bufferedBytes <= this.limits.highWaterMarkBytes;
    }
    return client ? this.#deliverTo(client, message) : false;
  }

  #share(message: OutboundMessage, addressing: Addressing): void {
    const entry: OutboxEntry = {
      node: this.nodeId,
      ...(addressing.to !== undefined && { to: addressing.to }),
      ...(addressing.except !== undefined && { except: addressing.except }),
      ...(addressing.channel !== undefined && { channel: addressing.channel }),
      ...(message.binary ? { bytes: message.bytes } : { text: message.text ?? '' }),
      time: message.time,
      ...(message.sender !== undefined && { sender: message.sender }),
      ...(message.reply !== undefined && { reply: message.reply }),
    };
    this.#outbox!.append(entry);
  }

  /**
   * A message held while the shared log is unreachable: this node's plain clients get it now. Its
   * framed clients get it once the log has it, under the log's number (which they resume by, on
   * any node); replies and notes between nodes are for framed clients or other nodes: they wait too.
   */
  #deliverEarly(entry: SharedLogAppend): void {
    if (entry.reply !== undefined) return;
    const plain = (client: Client): boolean => !this.#framed.has(client);
    const route = routeShared(entry, this.clients);
    const message = sharedMessage(entry, route.channel);
    if (route.to === undefined) {
      this.#fanOut(message, route.addressing, route.except, { unnumbered: true, only: plain });
      return;
    }
    const to = route.to;
    this.#deliveries.run(() => {
      const client = this.clients.get(to);
      if (client && plain(client)) client.deliver(message, undefined);
    });
  }

  /** A message from the shared log (sent by any node): delivered to this node's clients under the log's number. */
  #receiveShared(shared: SharedLogEntry): void {
    const entry = this.#numbering.number(shared);
    const control = controlOf(entry);
    if (control) {
      this.#deliveries.run(() => {
        this.#seq = Math.max(this.#seq, entry.seq);
        const local = this.clients.get(entry.to ?? '');
        if (!local) return;
        // A client moved to another node: the copy here (detached, or cut off from its peer) goes.
        if (control.t === 'moved' && entry.node !== this.nodeId) this.#letGo(local, entry.node);
        // Upstream another node took for a client held here: delivered once, in order.
        if (control.t === 'upstream' && local.receiveNumbered(control.first, control.items)) this.#persistUpstream(local);
      });
      return;
    }
    const route = routeShared(entry, this.clients);
    const message = sharedMessage(entry, route.channel);
    // Held by this node while the log was unreachable: its plain clients have had it.
    const only = this.#outbox?.returned(entry) ? (client: Client) => this.#framed.has(client) : undefined;
    if (route.to === undefined) {
      this.#fanOut(message, route.addressing, route.except, { shared: entry, ...(only && { only }) });
      return;
    }
    const to = route.to;
    this.#deliveries.run(() => {
      this.#enter(message, { to }, entry);
      const client = this.clients.get(to);
      if (client && (!only || only(client))) client.deliver(message, undefined);
    });
  }

  /** The shared log's failures are reported; one that lost its numbering renumbers what follows (see SharedNumbering). */
  #sharedLogFailed(error: Error): void {
    this.#numbering.failed(error);
    this.#report(error, 'shared log', 'ERR_STORAGE');
  }

  /** Numbers a message (or takes the shared log's number and node) and logs it with its addressing. */
  #enter(message: OutboundMessage, addressing: Addressing, shared?: SharedLogEntry): LogEntry<OutboundMessage> {
    this.#seq = shared ? shared.seq : this.#seq + 1;
    message.seq = this.#seq;
    message.node = shared ? shared.node : this.nodeId;
    const entry = { seq: this.#seq, message, bytes: message.byteLength + ENTRY_OVERHEAD_BYTES, frames: new Map(), ...addressing };
    this.#log.append(entry);
    return entry;
  }

  /**
   * Delivers a message to many: everyone, or a channel's members, but `except`. With a `filter`
   * hook each recipient is asked first; the ones it refuses are remembered in the log entry so a
   * replay skips them too. Deliveries keep their order while a filter answers with a promise.
   */
  #fanOut(message: OutboundMessage, addressing: Addressing, except: Client | undefined, scope: FanOutScope = {}): void {
    const { shared, only } = scope;
    const filter = this.#hooks.filter;
    if (!filter && !only && !scope.unnumbered) {
      this.#fanOutToAll(message, addressing, except, shared);
      return;
    }
    // Delivered early (held for the shared log): not numbered nor logged here, the log does that.
    const enter = (logged: Addressing): LogEntry<OutboundMessage> =>
      scope.unnumbered ? { seq: 0, message, bytes: 0, frames: new Map(), ...logged } : this.#enter(message, logged, shared);
    this.#deliveries.run(() => {
      const recipients = this.#recipientsOf(addressing);
      if (!filter) return this.#fanOuts.deliver([enter(addressing)], recipients, { except, only });
      const targets = [...recipients].filter((client) => client !== except && (!only || only(client)));
      return Promise.all(targets.map((client) => refusalOf(() => filter(client, message), 'filtered'))).then((verdicts) => {
        const excluded = new Set(targets.filter((_, index) => verdicts[index] !== null).map((client) => client.id));
        const entry = enter(excluded.size > 0 ? { ...addressing, excluded } : addressing);
        const admitted = targets.filter((_, index) => verdicts[index] === null);
        return this.#fanOuts.deliver([entry], admitted.values(), EVERYONE);
      });
    });
  }

  /**
   * A fan-out that asks nothing of its recipients. Queued behind other deliveries, it waits
   * together with the like broadcasts sent after it (see WaitingFanOut), and they go out in one
   * fan-out: under a backlog, each write carries more messages instead of the backlog growing.
   */
  #fanOutToAll(message: OutboundMessage, addressing: Addressing, except: Client | undefined, shared: SharedLogEntry | undefined): void {
    const waiting = this.#waitingFanOut;
    if (waiting !== undefined && waiting.ticket === this.#deliveries.submitted && waiting.takes(addressing, except)) {
      waiting.broadcasts.push({ message, shared });
      return;
    }
    const group = new WaitingFanOut(addressing, except, { message, shared });
    const queued = this.#deliveries.busy;
    this.#deliveries.run(() => {
      if (this.#waitingFanOut === group) this.#waitingFanOut = undefined;
      const entries = group.broadcasts.map((broadcast) => this.#enter(broadcast.message, addressing, broadcast.shared));
      return this.#fanOuts.deliver(entries, this.#recipientsOf(addressing), { except, only: undefined });
    });
    if (queued) {
      group.ticket = this.#deliveries.submitted;
      this.#waitingFanOut = group;
    }
  }

  /** Everyone, or a channel's members: a live iterator, read by the fan-out as it goes. */
  #recipientsOf(addressing: Addressing): IterableIterator<Client> {
    return addressing.channel === undefined ? this.clients.values() : this.#channels.members(addressing.channel).values();
  }

  /**
   * One message for one client, in order with every other delivery. Only a framed client's is
   * numbered and logged: a plain client is never replayed anything, so the log would only carry it.
   */
  #deliverTo(client: Client, message: OutboundMessage): boolean {
    if (!this.#deliveries.busy) {
      if (this.#framed.has(client)) this.#enter(message, { to: client.id });
      return client.deliver(message, undefined);
    }
    this.#deliveries.run(() => {
      if (this.#framed.has(client)) this.#enter(message, { to: client.id });
      client.deliver(message, undefined);
    });
    return client.bufferedBytes <= this.limits.highWaterMarkBytes;
  }

  /** A reply to a framed client's command: numbered and logged, so it survives a reconnect. */
  #reply(client: Client, frame: ReplyFrame): void {
    if (this.#framed.has(client)) this.#sendTo(client.id, new OutboundMessage('', undefined, { reply: frame }), client);
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
    this.#ticker = setInterval(() => this.#tick(), this.pingInterval / HEARTBEAT_SLICES).unref();
  }

  /**
   * Pings, acknowledges framed upstream, and expires framed clients detached for `sessionIdleMs`:
   * each call does one slice of the clients, so each client is visited once per `pingInterval`
   * and ten thousand pings do not leave in one burst that stalls the loop.
   */
  #tick(): void {
    const slice = this.#tickSlice;
    this.#tickSlice = (slice + 1) % HEARTBEAT_SLICES;
    const due: Client[] = [];
    for (const client of this.clients.values()) if (heartbeatSlice(client.id) === slice) due.push(client);
    const now = Date.now();
    for (const client of due) {
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
      if (this.#savedUpstream.has(client) && this.#savedUpstream.get(client) !== client.upstream) this.#persist(client);
      if (client.connection === connection) this.#framed.ackIfDue(client, connection);
    }
  }

  /** Says this node is alive for `timeoutMs` more; the storage forgets the clients of nodes that stopped. */
  #beat(timeoutMs: number): void {
    const graceMs = Math.max(this.limits.sessionIdleMs, timeoutMs);
    const beat = this.storage!.heartbeat!(this.nodeId, Math.round(timeoutMs), Math.min(Math.round(graceMs), Number.MAX_SAFE_INTEGER)).then(
      (removed) => {
        this.#heartbeatFailing = false;
        if (removed > 0) this.#logger?.(`forgot ${removed} clients of nodes that stopped`, LOG.INFO);
      },
      (error: unknown) => {
        // Once per outage: the shared log reports the same fault.
        if (!this.#heartbeatFailing) this.#report(error, 'storage.heartbeat failed', 'ERR_STORAGE');
        this.#heartbeatFailing = true;
      },
    );
    this.#storageWrites.add(beat, 'storage.heartbeat failed'); // its own handlers report, once per outage
  }

  #stopTicker(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  /** Reports a failure no single client owns; storage failures become `ERR_STORAGE` with their cause. */
  #report(error: unknown, context: string, code?: GrapplerErrorCode): void {
    const message = `${context}: ${error instanceof Error ? error.message : String(error)}`;
    const wrapped = code ? new GrapplerError(code, message, { cause: error }) : error instanceof Error ? error : new Error(message);
    this.#logger?.(message, LOG.ERROR);
    // An unhandled 'error' event would crash the process; a server logs instead.
    if (this.listenerCount('error') > 0) this.emit('error', wrapped);
  }
}

/**
 * Which of a fan-out's recipients get it, and how it is numbered: under the shared log's number
 * (`shared`), not at all (`unnumbered`: delivered early, while the shared log is unreachable), or
 * else by this hub.
 */
interface FanOutScope {
  readonly shared?: SharedLogEntry;
  readonly unnumbered?: boolean;
  readonly only?: (client: Client) => boolean;
}

function connectionInfo(meta: ConnectionMeta): ConnectionInfo {
  return { transport: meta.transport, version: meta.version, remoteAddress: meta.req.socket.remoteAddress ?? '', headers: keptHeaders(meta.req.headers) };
}

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new TypeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}
