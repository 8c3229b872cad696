import { type TickEndListener, atTickEnd, currentTick } from '@grappler/core';
import type { Duplex } from 'node:stream';

/**
 * Frames this size and larger are written as they come (after whatever is corked), and corked
 * bytes past it go out at once: a burst reaches the kernel in writevs of about this size, so
 * backpressure still comes from the peer, not from the cork.
 */
const FLUSH_BYTES = 16 << 10;

const EMPTY = Buffer.alloc(0);

/** The socket's cork: none, until the tick ends (`atTickEnd`), or until the caller's `uncork()`. */
const UNCORKED = 0;
const CORKED_FOR_TICK = 1;
const CORKED_BY_CALLER = 2;
type Cork = typeof UNCORKED | typeof CORKED_FOR_TICK | typeof CORKED_BY_CALLER;

/** A write callback: it reports `drain` unless a later write was watched meanwhile. */
type DrainWatch = (error?: Error | null) => void;

/**
 * What a connection that writes its frames straight to a socket does with them:
 *
 * - **Coalescing.** A lone frame is written at once; from the second small frame written in
 *   one tick, the socket is corked until the tick ends, so the frames of a burst (many
 *   broadcasts in one loop, a replay) leave in one writev rather than one system call each.
 *
 *     tick:  writeFrame(f1) (sent)   writeFrame(f2) -> cork, atTickEnd(this)   writeFrame(f3)
 *     end:   tickEnded() -> uncork -> one writev [f2, f3]
 *
 * - **Backpressure.** `writeFrame()` returns false once more than `highWaterMarkBytes` wait in
 *   user memory, then `drained()` is called once everything written so far has reached the
 *   kernel. Only slow peers pay for write callbacks.
 *
 * A base class, not objects of its own: a fan-out writes to thousands of connections, each
 * after the kernel's last write has evicted them from the CPU's caches, and every further object
 * it reaches per recipient is another miss (bench/README.md, the fan-out profile). The state is
 * three fields, and writing allocates nothing.
 */
export abstract class FrameSocket implements TickEndListener {
  protected readonly socket: Duplex;
  /** The tick of the last frame written (see `currentTick()`): a second one in the same tick corks. */
  #lastTick = -1;
  /** Whether the socket is corked, and by whom (a number, not two booleans: an idle connection's size counts). */
  #corked: Cork = UNCORKED;
  /** The write callback waiting to report `drain`, between a write past the mark and its drain. */
  #watching: DrainWatch | undefined;

  constructor(socket: Duplex) {
    this.socket = socket;
  }

  /** Bytes written but not yet handed to the kernel. */
  abstract get bufferedBytes(): number;

  /** Past this many buffered bytes, `writeFrame()` returns false until `drained()`. */
  protected abstract get highWaterMarkBytes(): number;

  /** @internal Everything written before a full buffer has reached the kernel. */
  abstract drained(): void;

  /** Writes an encoded frame; false once past `highWaterMarkBytes`, until `drained()`. */
  protected writeFrame(frame: Uint8Array): boolean {
    if (this.#watching !== undefined) {
      this.put(frame, this.watchDrain());
      return false;
    }
    // The socket's own answer settles the usual case without counting what is queued (a fan-out's
    // hottest path) when its mark is within ours (16 KiB against 64 KiB by default); past the
    // socket's mark, the count decides.
    if (this.put(frame, undefined) && this.socket.writableHighWaterMark <= this.highWaterMarkBytes) return true;
    if (this.bufferedBytes <= this.highWaterMarkBytes) return true;
    // An empty write queued behind the frame tells when everything before it has gone.
    this.put(EMPTY, this.watchDrain());
    return false;
  }

  /** Whether a frame of `bytes` would pass the mark, for writers that cannot look afterwards (`ws` compressing). */
  protected wouldOverflow(bytes: number): boolean {
    return this.#watching !== undefined || this.bufferedBytes + bytes > this.highWaterMarkBytes;
  }

  /** A write callback that calls `drained()` unless a later write was watched meanwhile. */
  protected watchDrain(): DrainWatch {
    const watch: DrainWatch = (error) => {
      if (error || this.#watching !== watch) return;
      this.#watching = undefined;
      this.drained();
    };
    this.#watching = watch;
    return watch;
  }

  /**
   * Holds the frames written until {@link uncork}: the hub writes several frames in a row this way
   * (broadcasts that waited together), and they leave in one writev. Inside a tick that corked
   * already, the tick's end sends them instead.
   */
  cork(): void {
    if (this.#corked !== UNCORKED) return;
    this.#corked = CORKED_BY_CALLER;
    this.socket.cork();
  }

  /** Writes what {@link cork} held. */
  uncork(): void {
    if (this.#corked !== CORKED_BY_CALLER) return;
    this.#corked = UNCORKED;
    // A frame written later in this tick corks for the rest of the tick, as after any other.
    this.#lastTick = currentTick();
    this.socket.uncork();
  }

  /** @internal The tick ended: what it corked goes out. */
  tickEnded(): void {
    this.#corked = UNCORKED;
    this.socket.uncork();
  }

  // The two below are `private`, not `#`: a class with `#` methods makes V8 keep a brand in
  // every instance, one more field (8 bytes) per idle connection.

  /** Hands a frame to the socket, corking from the second small frame of a tick; the socket's `write()` answer. */
  private put(frame: Uint8Array, callback: DrainWatch | undefined): boolean {
    const socket = this.socket;
    if (frame.byteLength >= FLUSH_BYTES) return this.putLarge(frame, callback);
    const tick = currentTick();
    if (tick === this.#lastTick && this.#corked === UNCORKED) {
      this.#corked = CORKED_FOR_TICK;
      socket.cork();
      atTickEnd(this);
    }
    this.#lastTick = tick;
    const below = socket.write(frame, callback);
    if (this.#corked !== UNCORKED && socket.writableLength >= FLUSH_BYTES) {
      socket.uncork();
      socket.cork();
    }
    return below;
  }

  /** A frame of FLUSH_BYTES or more: written as it comes, after whatever is corked. */
  private putLarge(frame: Uint8Array, callback: DrainWatch | undefined): boolean {
    const socket = this.socket;
    this.#lastTick = currentTick();
    if (this.#corked === UNCORKED) return socket.write(frame, callback);
    socket.uncork(); // what is corked goes first, then this frame, as it comes
    const below = socket.write(frame, callback);
    socket.cork();
    return below;
  }
}
