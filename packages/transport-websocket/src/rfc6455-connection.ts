import { type Client, type CloseReason, type Connection, type ConnectionEvents, GrapplerError, OutboundMessage, type WireFormat, framedFormat } from '@grappler/core';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { BoundWebSocket, PeerEvents } from './bound-websocket';
import { fromWsError } from './errors';
import { RFC6455_DEFLATE_FORMAT, RFC6455_FORMAT } from './format';
import { FrameSocket } from './frame-socket';

/** What every RFC 6455 connection of a transport shares (one object, not fields on each). */
export interface Rfc6455Shared {
  /** The largest message a peer may send, in bytes (for the error that reports one too large). */
  readonly maxPayload: number;
  /** How many of the hub's heartbeats make one ping interval (`pingIntervalMs` / hub `pingInterval`). */
  readonly beatsPerPing: number;
  /** The hub's `highWaterMarkBytes`: past it, `write()` returns false until `drain`. */
  readonly highWaterMarkBytes: number;
}

/**
 * The closing handshake started (or the socket was terminated): nothing more is written. Kept
 * here rather than read from `ws`'s `readyState` on each write: a fan-out then reaches the
 * connection and its TCP socket per recipient, not the `WebSocket` between them as well.
 * Every other way `ws` leaves OPEN ends or destroys the TCP socket, which `write()` checks.
 */
const CLOSING = 1;
/** No message or pong since the last ping. */
const SILENT = 2;
/** Heartbeats since the last ping are counted from this bit up. */
const BEATS_SHIFT = 2;
const ONE_BEAT = 1 << BEATS_SHIFT;

/**
 * One RFC 6455 peer: `ws` parses what the peer sends and runs the closing handshake; frames
 * grappler sends are pre-encoded (once per broadcast) and written straight to the socket,
 * which is safe because, without compression, `ws` writes every frame synchronously and whole.
 */
export class Rfc6455Connection extends FrameSocket implements Connection<Buffer | OutboundMessage>, PeerEvents {
  readonly format: WireFormat<Buffer | OutboundMessage>;
  /** The client the hub attached this connection to (see {@link bind}). */
  client: Client | undefined = undefined;
  readonly #ws: BoundWebSocket;
  readonly #shared: Rfc6455Shared;
  #events: ConnectionEvents | undefined;
  /**
   * {@link CLOSING}, {@link SILENT} and the heartbeats since the last ping (above {@link BEATS_SHIFT}),
   * in one number: an idle connection's size counts, and these change together rarely.
   */
  #flags = 0;

  /** `framed`: the peer chose the `grappler.v1` subprotocol (docs/framed-mode.md). */
  constructor(ws: BoundWebSocket, socket: Duplex, shared: Rfc6455Shared, framed = false) {
    super(socket);
    this.#ws = ws;
    this.#shared = shared;
    const raw: WireFormat<Buffer | OutboundMessage> = ws.extensions.includes('permessage-deflate') ? RFC6455_DEFLATE_FORMAT : RFC6455_FORMAT;
    this.format = framed ? framedFormat(raw) : raw;
  }

  /**
   * Starts reporting to the hub's `events` as `client`'s (what `attach` returned): the socket
   * hands the peer's events to this connection's methods.
   */
  bind(events: ConnectionEvents, client: Client): void {
    this.#events = events;
    this.client = client;
    this.#ws.bindPeer(this);
    // Whatever closed it before it was bound (bound, `ws` tells `closing()`).
    if (this.#ws.readyState !== WebSocket.OPEN) this.#flags |= CLOSING;
  }

  /** @internal */
  received(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.#flags &= ~SILENT;
    // `ws` hands a Buffer (binaryType 'nodebuffer'): used as it is, not copied.
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    this.#events?.message(this, isBinary ? bytes : bytes.toString('utf8'));
  }

  /** @internal */
  ponged(): void {
    this.#flags &= ~SILENT;
  }

  /** @internal */
  failed(error: Error): void {
    this.#events?.error(this, fromWsError(error, this.#shared.maxPayload));
  }

  /** @internal */
  closing(): void {
    this.#flags |= CLOSING;
  }

  /** @internal */
  ended(code: number, reason: Buffer): void {
    this.#events?.closed(this, { code, reason: reason.toString('utf8') });
  }

  /** @internal Everything written before a full buffer has reached the kernel. */
  drained(): void {
    this.#events?.drain(this);
  }

  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  protected get highWaterMarkBytes(): number {
    return this.#shared.highWaterMarkBytes;
  }

  write(frame: Buffer | OutboundMessage): boolean {
    if ((this.#flags & CLOSING) !== 0 || !this.socket.writable) return false;
    if (frame instanceof OutboundMessage) return this.compress(frame);
    return this.writeFrame(frame);
  }

  /**
   * A message for a permessage-deflate peer, which `ws` compresses (apart: the fan-out loop
   * inlines the rest). `private`, not `#`, as FrameSocket's: a `#` method costs every instance a field.
   */
  private compress(frame: OutboundMessage): boolean {
    // `ws` compresses asynchronously, so the only flush signal is the send callback itself.
    const over = this.wouldOverflow(frame.bytes.byteLength);
    const data = frame.binary ? frame.bytes : (frame.text ?? '');
    this.#ws.send(data, { binary: frame.binary }, over ? this.watchDrain() : undefined);
    return !over;
  }

  close(reason: CloseReason): void {
    this.#flags |= CLOSING;
    if (this.#ws.readyState !== WebSocket.OPEN && this.#ws.readyState !== WebSocket.CONNECTING) return;
    this.#ws.close(reason.code, reason.reason);
  }

  terminate(): void {
    this.#flags |= CLOSING;
    this.#ws.terminate();
  }

  /**
   * Every `beatsPerPing` heartbeats (`pingIntervalMs`): no pong since the last ping means the
   * peer is gone (or not reading); otherwise ping again.
   */
  heartbeat(): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.#flags += ONE_BEAT;
    if (this.#flags >> BEATS_SHIFT < this.#shared.beatsPerPing) return;
    if ((this.#flags & SILENT) !== 0) {
      this.#events?.error(this, new GrapplerError('ERR_HEARTBEAT_TIMEOUT', 'no pong within pingInterval'));
      this.#ws.terminate();
      return;
    }
    // No beats counted, and silent until a message or a pong comes.
    this.#flags = (this.#flags & CLOSING) | SILENT;
    this.#ws.ping();
  }
}
