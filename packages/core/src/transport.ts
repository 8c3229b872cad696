import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GrapplerError, HandshakeError } from './errors';
import type { Limits } from './limits';
import type { LogLevel } from './constants';
import type { OutboundMessage } from './message';
import type { Client } from './client';
import type { UpstreamItem } from './framed';

/**
 * How one kind of connection puts a message on the wire. The hub asks each format present
 * among the recipients to encode a message once, then hands the same frame to every
 * connection of that format: a broadcast to 10,000 WebSocket clients frames the message once.
 */
export interface WireFormat<Frame = unknown> {
  /** Distinguishes formats in logs and tests, e.g. `"rfc6455"`. */
  readonly name: string;
  encode(message: OutboundMessage): Frame;
}

/** Why a connection ended: a WebSocket close code (1000-4999) and a short reason. */
export interface CloseReason {
  readonly code: number;
  readonly reason: string;
  /** Set when the connection ended because of an error (a limit, a protocol violation). */
  readonly error?: GrapplerError;
}

/** The transport's side of one client. The hub wraps it in a `Client`. */
export interface Connection<Frame = unknown> {
  /** The wire format whose frames `write` accepts. */
  readonly format: WireFormat<Frame>;
  /** Bytes accepted by `write` but not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /**
   * Queues one frame; false once `bufferedBytes` passes the hub's `highWaterMarkBytes` (then `drain`
   * follows). `seq` is the frame's number in the hub's log (see docs/framed-mode.md), for
   * transports that resume by number; absent for a frame that has none (a framed `ack`).
   */
  write(frame: Frame, seq?: number): boolean;
  /**
   * Holds what is written until {@link uncork}, to leave in one write: the hub calls the pair
   * around several frames it writes in a row to this connection (broadcasts that waited together).
   * A connection that gathers a tick's frames anyway (an HTTP session) needs neither.
   */
  cork?(): void;
  /** Writes what {@link cork} held. */
  uncork?(): void;
  /** Ends the connection politely (a close frame, the end of a response). */
  close(reason: CloseReason): void;
  /** Ends the connection at once, dropping anything queued. */
  terminate(): void;
  /** Called by the hub's one shared ticker every `pingInterval`: ping, or end a peer that stopped answering. */
  heartbeat?(): void;
  /**
   * The client `HubPort.attach` returned for this connection, kept by the transport from then on
   * (undefined before): the hub's {@link ConnectionEvents} find the client through it.
   */
  readonly client: Client | undefined;
}

/**
 * Where a transport reports what happens to its connections, as it happens: one object per hub
 * (`HubPort.events`), told which connection. The drain, errors and close of a connection another
 * has since replaced (a framed client that resumed elsewhere) are ignored; what it still receives
 * is delivered.
 */
export interface ConnectionEvents {
  message(connection: Connection, data: string | Uint8Array): void;
  /**
   * Messages (from a framed peer, also channel commands) the peer numbered, `first` being the
   * number of the first: those the client already delivered, through this connection or an
   * earlier one, are skipped, so a resent batch delivers each once. False, delivering nothing,
   * when `first` would leave a hole.
   */
  numbered(connection: Connection, first: number, messages: readonly UpstreamItem[]): boolean;
  drain(connection: Connection): void;
  error(connection: Connection, error: GrapplerError): void;
  /** Exactly once per connection, when it is gone. */
  closed(connection: Connection, reason: CloseReason): void;
}

/** A framed client asking to be reattached: its resume token and the last number it saw. */
export interface ResumeRequest {
  readonly token: string;
  readonly seq: number;
}

/** What the hub knows about a connection before it exists. */
export interface ConnectionMeta {
  readonly transport: string;
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  /** `STATE.PROTO_WEBSOCKET` or `STATE.PROTO_HTTP`. */
  readonly protocol: number;
  /** The protocol version, for transports that have several (e.g. `"rfc6455"`). */
  readonly version?: string;
  /** Set by a framed connection that resumes a client (docs/framed-mode.md). */
  readonly resume?: ResumeRequest;
}

/** All a transport sees of the hub; transports never import the Hub itself. */
export interface HubPort {
  readonly limits: Readonly<Limits>;
  readonly pingInterval: number;
  /**
   * How long a fan-out writes before it yields the event loop (the hub's `fanOutSliceMs`). A
   * transport that defers the costly part of its writes to a later turn (a long poll's answers)
   * writes that part in slices of this length too.
   */
  readonly fanOutSliceMs: number;
  /** Whether an `Origin` header value is allowed by the hub's `origins` (for requests of existing sessions, CORS). */
  allowsOrigin(origin: string | undefined): boolean;
  /** Runs the accept hook, the client cap and the origin check, before any handshake byte is written. */
  admit(meta: ConnectionMeta): Promise<HandshakeError | null>;
  /**
   * Turns an established connection into a `Client` and returns it: the connection keeps it as
   * its `client` and reports to {@link events} from then on. A framed connection (its format made
   * by `framedFormat`) is sent its `hello` at once; with `meta.resume` naming a live client it is
   * attached to that client instead, and sent what the client missed (or a `gap`).
   */
  attach(connection: Connection, meta: ConnectionMeta): Client;
  /** Where every connection reports what happens to it (one object per hub). */
  readonly events: ConnectionEvents;
  log(message: string, level: LogLevel): void;
  /**
   * In a cluster: passes a framed client's numbered upstream (from a request this node has no
   * session for) to whichever node holds the client, after checking its resume token. Resolves
   * false when no node knows the token. Absent on a hub that is not in a cluster.
   */
  forwardUpstream?(token: string, first: number, items: readonly UpstreamItem[]): Promise<boolean>;
}

/** A name, a cheap "is this request mine?", and entry points for requests and/or upgrades. */
export interface Transport {
  readonly name: string;
  /** Looks at method, path and headers only. */
  matches(req: IncomingMessage): boolean;
  handleRequest?(req: IncomingMessage, res: ServerResponse, hub: HubPort): void;
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, hub: HubPort): void;
  /** Releases what the transport holds itself (not its connections: the hub closes those). */
  close?(): void;
}
