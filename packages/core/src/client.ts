import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { STATE } from './constants';
import { type GrapplerError, LimitExceededError } from './errors';
import type { UpstreamItem } from './framed';
import { OutboundMessage } from './message';
import { SerialQueue } from './serial-queue';
import type { KeyValueStore } from './storage';
import type { CloseReason, Connection } from './transport';

/** Events of a {@link Client}. */
export interface ClientEvents {
  /** A message from the peer: a string for text, bytes for a binary WebSocket frame. */
  message: [data: string | Uint8Array];
  /** The outbound buffer has emptied after `write()` returned false. */
  drain: [];
  /** The connection hit a limit or a protocol error; `close` follows. */
  error: [error: GrapplerError];
  /** The client is gone, whatever the cause. */
  close: [reason: CloseReason];
  /** `state` changed. */
  stateChange: [state: number, previous: number];
  /**
   * A framed client's connection dropped (no close frame): it is kept, with `STATE.TEMP` set, for
   * `sessionIdleMs`, and messages addressed to it wait in the hub's log for it to come back.
   */
  detach: [];
  /** A detached (or still attached) framed client came back over a new connection, maybe of another transport. */
  resume: [];
}

/** What a client needs from its hub; kept narrow so Client never sees the Hub's internals. */
export interface ClientHost {
  /** Logs a message for everyone (but `except`) and delivers it. */
  deliver(message: OutboundMessage, except: Client | undefined): void;
  /** Logs a message for `client` alone and delivers it. */
  deliverTo(client: Client, message: OutboundMessage): boolean;
  /** Ends a client that has no connection to close. */
  end(client: Client, reason: CloseReason): void;
  /** Carries out an upstream item (a message, or a framed peer's channel command numbered `ref`). */
  receive(client: Client, item: UpstreamItem, ref: number): void | Promise<void>;
  channelsOf(client: Client): ReadonlySet<string>;
  join(client: Client, channel: string): Promise<void>;
  leave(client: Client, channel: string): Promise<void>;
  publishFrom(client: Client, channel: string, data: string | Uint8Array): Promise<void>;
  storageFor(id: string): KeyValueStore;
  maxBufferedBytes: number;
  highWaterMarkBytes: number;
}

/** What a Client learns from each connection it gets. */
export interface ConnectionInfo {
  readonly transport: string;
  readonly version: string | undefined;
  readonly remoteAddress: string;
  readonly headers: Readonly<IncomingHttpHeaders>;
}

/** A bit of `Client`'s state field above every {@link STATE} bit: the client has closed. */
const CLOSED = 1 << 30;

/**
 * One connected peer, whatever its transport: application code cannot tell a WebSocket client
 * from an HTTP one except through `transport` and `state`.
 */
export class Client extends EventEmitter<ClientEvents> {
  /** Unguessable (144 random bits). */
  readonly id: string;
  /** Who the client is, as the hub's `identify` hook said (undefined without one). */
  readonly user: unknown;
  readonly #host: ClientHost;
  /** What the peer sent, carried out in order even while a command waits for a hook (made on first use). */
  #inbox: SerialQueue | undefined;
  // The latest connection's facts, as fields of the client rather than an object of their own:
  // idle clients are counted in thousands, and that object (with its overflow array) cost ~100 bytes each.
  #transport: string;
  #version: string | undefined;
  #remoteAddress: string;
  #headers: Readonly<IncomingHttpHeaders>;
  #connection: Connection | undefined;
  /** The {@link STATE} bits, and {@link CLOSED}: one field rather than two, per idle client. */
  #bits: number;
  #detachedAt = 0;
  #upstream = 0;

  /**
   * @internal Made by the hub when a transport attaches a connection; `user` is what the hub's
   * `identify` hook said.
   */
  constructor(id: string, info: ConnectionInfo, state: number, user: unknown, connection: Connection, host: ClientHost) {
    super();
    this.id = id;
    this.user = user;
    this.#transport = info.transport;
    this.#version = info.version;
    this.#remoteAddress = info.remoteAddress;
    this.#headers = info.headers;
    this.#bits = state & ~CLOSED;
    this.#connection = connection;
    this.#host = host;
  }

  /** The transport's name, e.g. `"websocket"`; a framed client that resumed elsewhere reports its new one. */
  get transport(): string {
    return this.#transport;
  }

  /** The protocol version where a transport has several (`"rfc6455"`), else undefined. */
  get version(): string | undefined {
    return this.#version;
  }

  /** The peer's IP address as the socket of its latest connection saw it. */
  get remoteAddress(): string {
    return this.#remoteAddress;
  }

  /**
   * The headers of the request that opened its latest connection, less those that only served its
   * handshake (`connection`, `upgrade`, `sec-websocket-key`, `-version`, `-extensions` and the
   * other hop-by-hop ones); `sec-websocket-protocol` stays. Frozen: clients whose kept headers are
   * all common ones (`host`, `origin`, `user-agent`, `accept-*`, ...) and equal share one object.
   */
  get headers(): Readonly<IncomingHttpHeaders> {
    return this.#headers;
  }

  /** True while a framed client has no connection and waits to be resumed (`STATE.TEMP`). */
  get detached(): boolean {
    return this.#connection === undefined && !this.closed;
  }

  /** @internal When the client was detached (ms since the epoch). */
  get detachedAt(): number {
    return this.#detachedAt;
  }

  /** A bit field of {@link STATE} values. */
  get state(): number {
    return this.#bits & ~CLOSED;
  }

  /** @internal Sets the state bits and emits `stateChange`. */
  setState(state: number): void {
    const previous = this.state;
    const next = state & ~CLOSED;
    if (next === previous) return;
    this.#bits = next | (this.#bits & CLOSED);
    this.emit('stateChange', next, previous);
  }

  /** True once the client has closed. */
  get closed(): boolean {
    return (this.#bits & CLOSED) !== 0;
  }

  /** Outbound bytes queued in user memory, not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.#connection?.bufferedBytes ?? 0;
  }

  /** The client's key-value storage (the hub's `storage` backend). */
  get storage(): KeyValueStore {
    return this.#host.storageFor(this.id);
  }

  /**
   * Sends data to this client; a string in UTF-8 (or with no encoding) is text, anything else bytes.
   * Returns false when the data was queued in user memory: `drain` follows once it is flushed.
   */
  write(data: string | Uint8Array, encoding?: BufferEncoding): boolean {
    return this.#host.deliverTo(this, new OutboundMessage(data, encoding));
  }

  /** Sends data to every other connected client. */
  broadcast(data: string | Uint8Array, encoding?: BufferEncoding): void {
    this.#host.deliver(new OutboundMessage(data, encoding), this);
  }

  /** The channels the client is in. */
  get channels(): ReadonlySet<string> {
    return this.#host.channelsOf(this);
  }

  /**
   * Joins a channel (after the hub's `authorizeJoin`). Rejects with `ERR_FORBIDDEN` when refused,
   * `ERR_TOO_MANY_CHANNELS` past `maxChannelsPerClient`. A framed peer is told `joined`.
   */
  join(channel: string): Promise<void> {
    return this.#host.join(this, channel);
  }

  /** Leaves a channel (a no-op when not in it). */
  leave(channel: string): Promise<void> {
    return this.#host.leave(this, channel);
  }

  /**
   * Publishes to a channel the client is in, as if the peer had: the hub's `beforePublish` may
   * change or refuse it (a rejection with `ERR_FORBIDDEN`), then every member receives it.
   */
  publish(channel: string, data: string | Uint8Array): Promise<void> {
    return this.#host.publishFrom(this, channel, data);
  }

  /** Closes the connection politely (code 1000 unless given). */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    if (this.#connection) this.#connection.close({ code, reason });
    else this.#host.end(this, { code, reason });
  }

  /**
   * @internal Writes an already encoded frame, or encodes `message` for this connection alone.
   * A client past `maxBufferedBytes` is cut off: one slow reader must not hold the process's memory.
   */
  deliver(message: OutboundMessage, frame: unknown): boolean {
    const connection = this.#connection;
    if ((this.#bits & CLOSED) !== 0 || !connection) return false;
    const ok = connection.write(frame ?? connection.format.encode(message), message.seq);
    // A write that returned true left no more than highWaterMarkBytes queued: nothing to check.
    if (ok && this.#host.highWaterMarkBytes <= this.#host.maxBufferedBytes) return true;
    return cutOffPastMax(this, connection, ok, this.#host.maxBufferedBytes);
  }

  /** @internal The transport's side, for the hub's encoder and ticker; undefined while detached. */
  get connection(): Connection | undefined {
    return this.#connection;
  }

  /** @internal The connection dropped; the client waits for a resume (`STATE.TEMP`). */
  detach(): void {
    if (this.closed || !this.#connection) return;
    this.#connection = undefined;
    this.#detachedAt = Date.now();
    this.setState(this.state | STATE.TEMP);
    this.emit('detach');
  }

  /** @internal A new connection takes over; the previous one, if any, is returned for the hub to cut. */
  reattach(connection: Connection, info: ConnectionInfo, protocol: number): Connection | undefined {
    const previous = this.#connection;
    this.#connection = connection;
    this.#transport = info.transport;
    this.#version = info.version;
    this.#remoteAddress = info.remoteAddress;
    this.#headers = info.headers;
    const kind = STATE.PROTO_HTTP | STATE.PROTO_WEBSOCKET;
    this.setState(((this.state & ~STATE.TEMP) & ~kind) | protocol);
    this.emit('resume');
    return previous;
  }

  /** @internal The highest upstream number delivered (docs/framed-mode.md). */
  get upstream(): number {
    return this.#upstream;
  }

  /** @internal Takes the upstream position of the same client on another node (a cluster resume). */
  restoreUpstream(upstream: number): void {
    this.#upstream = Math.max(this.#upstream, upstream);
  }

  /** @internal Carries out the items numbered from `first` that were not carried out before; false on a hole. */
  receiveNumbered(first: number, items: readonly UpstreamItem[]): boolean {
    if (this.closed) return true;
    if (first > this.#upstream + 1) return false;
    for (let index = this.#upstream + 1 - first; index < items.length; index++) {
      const number = first + index;
      const item = items[index]!;
      this.#upstream = number;
      this.#inbox ??= new SerialQueue();
      this.#inbox.run(() => this.#host.receive(this, item, number));
    }
    return true;
  }

  /** @internal Emits `error` when someone listens: an unhandled 'error' event would crash the server. */
  report(error: GrapplerError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** @internal Called once when the transport reports the connection gone. */
  markClosed(reason: CloseReason): boolean {
    if (this.closed) return false;
    this.#bits |= CLOSED;
    this.setState(this.state & ~STATE.ACCEPTED);
    this.emit('close', reason);
    return true;
  }
}

/**
 * The rare half of `Client.deliver()`: cuts `client` off once its connection holds more than
 * `max` bytes. Apart, so that the fan-out loop stays small enough to inline; and not a `#` method,
 * which would make V8 keep a brand field in every client.
 */
function cutOffPastMax(client: Client, connection: Connection, ok: boolean, max: number): boolean {
  const buffered = connection.bufferedBytes;
  if (buffered > max) {
    client.report(new LimitExceededError('maxBufferedBytes', max, buffered));
    connection.terminate();
    return false;
  }
  return ok;
}
