import WebSocket from 'ws';

/** Where a {@link BoundWebSocket} hands what the peer did: its connection's own methods. */
export interface PeerEvents {
  received(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void;
  ponged(): void;
  failed(error: Error): void;
  ended(code: number, reason: Buffer): void;
  /** The closing handshake started: no data frame may follow the close frame `ws` sends now. */
  closing(): void;
}

/**
 * The `WebSocket` the transport's `ws` server makes (its `WebSocket` option): once bound, the
 * four events grappler needs go straight to the connection instead of through listeners. Idle
 * connections are counted in thousands, and four listeners made each socket's table of events
 * a size larger, beside the property that pointed listeners to their connection. The socket is
 * grappler's alone (never handed to application code), so nothing else listens for those four.
 */
export class BoundWebSocket extends WebSocket {
  #peer: PeerEvents | undefined = undefined;

  /** Sends `message`, `pong`, `error` and `close` to `peer` from now on. */
  bindPeer(peer: PeerEvents): void {
    this.#peer = peer;
    // No table of events until a listener comes (none does, see above): Node's EventEmitter
    // makes one on the first `on()` when `_events` is undefined, and its other methods read
    // undefined as empty. An empty table is a null-prototype object in dictionary mode, about
    // 180 bytes kept per idle connection.
    const emitter = this as unknown as { _events: object | undefined; _eventsCount: number };
    if (emitter._eventsCount === 0) emitter._events = undefined;
  }

  /**
   * `ws` starts every closing handshake here: the application's close, and its own on the peer's
   * close frame or a protocol error. The connection is told first, so that it stops writing
   * frames before the close frame goes out, without reading `readyState` on every write.
   */
  override close(code?: number, data?: string | Buffer): void {
    this.#peer?.closing();
    super.close(code, data);
  }

  // `ws` emits at most two arguments; the others pass through with their own arity.
  override emit(event: string | symbol, first?: unknown, second?: unknown): boolean {
    const peer = this.#peer;
    if (peer !== undefined) {
      switch (event) {
        case 'message':
          peer.received(first as Buffer | ArrayBuffer | Buffer[], second as boolean);
          return true;
        case 'pong':
          peer.ponged();
          return true;
        case 'error':
          peer.failed(first as Error);
          return true;
        case 'close':
          peer.ended(first as number, second as Buffer);
          return true;
      }
    }
    // biome-ignore lint/complexity/noArguments: keeps the emit's exact arity for other listeners.
    return Reflect.apply(WebSocket.prototype.emit, this, arguments);
  }
}
