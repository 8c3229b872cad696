/**
 * One draft-75/76 peer after its handshake (see accept.ts): socket data -> decoder -> hub
 * events; hub frames -> socket. With accept.ts, the only draft files that touch a socket.
 *
 * Bytes that followed key3 (a client may pipeline frames) are fed to the decoder on the next
 * turn of the event loop, after the hub's `connection` listeners and any listeners attached
 * before `connect()` are in place.
 */
import { type Client, type CloseReason, type Connection, type ConnectionEvents, GrapplerError } from '@grappler/core';
import type { Duplex } from 'node:stream';
import { ABNORMAL_CLOSURE, CLOSE_CODE, NORMAL_CLOSURE } from '../close-codes';
import { FrameSocket } from '../frame-socket';
import { type DraftEvent, createDraftDecoder } from './decoder';
import { DRAFT_CLOSE_FRAME } from './encoder';
import { DRAFT_FORMAT } from './format';

/** Settings of one draft connection. */
export interface DraftConnectionOptions {
  readonly version: 'draft75' | 'draft76';
  readonly maxMessageBytes: number;
  readonly highWaterMarkBytes: number;
  readonly pingInterval: number;
  readonly idleTimeoutMs: number;
}

/** A draft-75/76 peer, mapped onto the hub's Connection. */
export class DraftConnection extends FrameSocket implements Connection<Buffer> {
  readonly format: typeof DRAFT_FORMAT = DRAFT_FORMAT;
  /** The client the hub attached this connection to (see {@link bind}). */
  client: Client | undefined = undefined;
  readonly #options: DraftConnectionOptions;
  #events: ConnectionEvents | undefined;
  #closing = false;
  #closeReason: CloseReason = { code: ABNORMAL_CLOSURE, reason: 'connection lost' };
  #lastQueued = 0;
  #stalledMs = 0;

  constructor(socket: Duplex, options: DraftConnectionOptions) {
    super(socket);
    this.#options = options;
  }

  /** Starts reading and reporting to `events` as `client`'s; `pending` are the bytes that arrived with the handshake. */
  bind(events: ConnectionEvents, client: Client, pending: Buffer): void {
    this.#events = events;
    this.client = client;
    const socket = this.socket;
    const decoder = createDraftDecoder({ version: this.#options.version, maxMessageBytes: this.#options.maxMessageBytes });
    const onData = (chunk: Buffer): void => {
      for (const event of decoder.push(chunk)) this.#dispatch(event);
    };
    // HTTP server sockets allow half-open connections: end our side when the peer ends theirs.
    socket.on('end', () => {
      if (!this.#closing) this.#closeReason = { code: NORMAL_CLOSURE, reason: 'closed by the peer' };
      socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => events.closed(this, this.#closeReason));
    (socket as Duplex & { setKeepAlive?(enable: boolean, delay: number): void }).setKeepAlive?.(true, this.#options.pingInterval);
    setImmediate(() => {
      if (pending.length > 0) onData(pending);
      socket.on('data', onData);
      socket.resume();
    });
  }

  /** @internal Everything written before a full buffer has reached the kernel. */
  drained(): void {
    this.#events?.drain(this);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  protected get highWaterMarkBytes(): number {
    return this.#options.highWaterMarkBytes;
  }

  write(frame: Buffer): boolean {
    if (this.#closing || !this.socket.writable) return false;
    return this.writeFrame(frame);
  }

  close(reason: CloseReason): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#closeReason = reason;
    // draft-76 has a closing handshake; draft-75 simply closes the TCP connection.
    if (this.#options.version === 'draft76' && this.socket.writable) this.socket.write(DRAFT_CLOSE_FRAME);
    this.socket.end();
  }

  terminate(): void {
    this.#closing = true;
    this.socket.destroy();
  }

  /**
   * The drafts have no ping. A peer that stopped reading is found through its outbound queue:
   * one that has not shrunk for `idleTimeoutMs` means the peer is gone or not reading.
   */
  heartbeat(): void {
    const queued = this.bufferedBytes;
    this.#stalledMs = queued > 0 && queued >= this.#lastQueued ? this.#stalledMs + this.#options.pingInterval : 0;
    this.#lastQueued = queued;
    if (this.#stalledMs < this.#options.idleTimeoutMs) return;
    this.#fail(new GrapplerError('ERR_HEARTBEAT_TIMEOUT', `outbound data has not moved for ${this.#stalledMs} ms`));
    this.terminate();
  }

  #dispatch(event: DraftEvent): void {
    if (event.type === 'message') this.#events?.message(this, event.text);
    else if (event.type === 'close') this.close({ code: NORMAL_CLOSURE, reason: 'closing handshake' });
    else {
      this.#fail(event.error);
      this.close(this.#closeReason);
    }
  }

  #fail(error: GrapplerError): void {
    this.#closeReason = { code: CLOSE_CODE[error.code] ?? ABNORMAL_CLOSURE, reason: error.message, error };
    this.#events?.error(this, error);
  }
}
