import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { STATE } from './constants';
import { type GrapplerError, LimitExceededError } from './errors';
import { OutboundMessage } from './message';
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
}

/** What a client needs from its hub; kept narrow so Client never sees the Hub's internals. */
export interface ClientHost {
  deliver(message: OutboundMessage, except: Client | undefined): void;
  storageFor(id: string): KeyValueStore;
  maxBufferedBytes: number;
}

/** Everything a Client is made from. */
export interface ClientInit {
  readonly id: string;
  readonly transport: string;
  readonly version: string | undefined;
  readonly remoteAddress: string;
  readonly headers: IncomingHttpHeaders;
  readonly state: number;
}

/**
 * One connected peer, whatever its transport: application code cannot tell a WebSocket client
 * from an HTTP one except through `transport` and `state`.
 */
export class Client extends EventEmitter<ClientEvents> {
  /** Unguessable (144 random bits). */
  readonly id: string;
  /** The transport's name, e.g. `"websocket"`. */
  readonly transport: string;
  /** The protocol version where a transport has several (`"rfc6455"`), else undefined. */
  readonly version: string | undefined;
  /** The peer's IP address as the socket saw it. */
  readonly remoteAddress: string;
  /** The headers of the request that opened the connection. */
  readonly headers: IncomingHttpHeaders;
  readonly #connection: Connection;
  readonly #host: ClientHost;
  #state: number;
  #closed = false;

  /** @internal Made by the hub when a transport attaches a connection. */
  constructor(init: ClientInit, connection: Connection, host: ClientHost) {
    super();
    this.id = init.id;
    this.transport = init.transport;
    this.version = init.version;
    this.remoteAddress = init.remoteAddress;
    this.headers = init.headers;
    this.#state = init.state;
    this.#connection = connection;
    this.#host = host;
  }

  /** A bit field of {@link STATE} values. */
  get state(): number {
    return this.#state;
  }

  /** @internal Sets the state bits and emits `stateChange`. */
  setState(state: number): void {
    const previous = this.#state;
    if (state === previous) return;
    this.#state = state;
    this.emit('stateChange', state, previous);
  }

  /** True once the client has closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Outbound bytes queued in user memory, not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.#connection.bufferedBytes;
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
    return this.deliver(new OutboundMessage(data, encoding), undefined);
  }

  /** Sends data to every other connected client. */
  broadcast(data: string | Uint8Array, encoding?: BufferEncoding): void {
    this.#host.deliver(new OutboundMessage(data, encoding), this);
  }

  /** Closes the connection politely (code 1000 unless given). */
  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    this.#connection.close({ code, reason });
  }

  /**
   * @internal Writes an already encoded frame, or encodes `message` for this connection alone.
   * A client past `maxBufferedBytes` is cut off: one slow reader must not hold the process's memory.
   */
  deliver(message: OutboundMessage, frame: unknown): boolean {
    if (this.#closed) return false;
    const connection = this.#connection;
    const ok = connection.write(frame ?? connection.format.encode(message));
    const buffered = connection.bufferedBytes;
    if (buffered > this.#host.maxBufferedBytes) {
      this.report(new LimitExceededError('maxBufferedBytes', this.#host.maxBufferedBytes, buffered));
      connection.terminate();
      return false;
    }
    return ok;
  }

  /** @internal The transport's side, for the hub's encoder and ticker. */
  get connection(): Connection {
    return this.#connection;
  }

  /** @internal Emits `error` when someone listens: an unhandled 'error' event would crash the server. */
  report(error: GrapplerError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** @internal Called once when the transport reports the connection gone. */
  markClosed(reason: CloseReason): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.setState(this.#state & ~STATE.ACCEPTED);
    this.emit('close', reason);
    return true;
  }
}
