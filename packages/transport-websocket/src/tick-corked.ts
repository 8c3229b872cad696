import { type TickEndListener, atTickEnd, currentTick } from '@grappler/core';
import type { Duplex } from 'node:stream';

/**
 * Frames this size and larger are written as they come (after whatever is corked), and corked
 * bytes past it go out at once: a burst reaches the kernel in writevs of about this size, so
 * backpressure still comes from the peer, not from the cork.
 */
const FLUSH_BYTES = 16 << 10;

/** Where a connection writes its frames. */
export interface FrameWriter {
  /** False once the socket holds more than its own `writableHighWaterMark` (the socket's `write()` answer). */
  write(frame: Uint8Array, callback?: (error?: Error | null) => void): boolean;
}

/**
 * Writes a connection's frames to its socket: a lone frame at once; from the second small frame
 * written in one tick, the socket is corked until the tick ends, so the frames of a burst (many
 * broadcasts in one loop, a replay) leave in one writev rather than one system call each. Made
 * once per connection: writing allocates nothing.
 */
export class TickCorkedWriter implements FrameWriter, TickEndListener {
  readonly #socket: Duplex;
  #lastTick = -1;
  #corked = false;

  constructor(socket: Duplex) {
    this.#socket = socket;
  }

  write(frame: Uint8Array, callback?: (error?: Error | null) => void): boolean {
    const socket = this.#socket;
    const tick = currentTick();
    const firstThisTick = tick !== this.#lastTick;
    this.#lastTick = tick;
    if (frame.byteLength >= FLUSH_BYTES) return this.#writeLarge(frame, callback);
    if (!firstThisTick && !this.#corked) {
      this.#corked = true;
      socket.cork();
      atTickEnd(this);
    }
    const below = socket.write(frame, callback);
    if (this.#corked && socket.writableLength >= FLUSH_BYTES) {
      socket.uncork();
      socket.cork();
    }
    return below;
  }

  /** A frame of FLUSH_BYTES or more: written as it comes, after whatever is corked. */
  #writeLarge(frame: Uint8Array, callback: ((error?: Error | null) => void) | undefined): boolean {
    const socket = this.#socket;
    if (!this.#corked) return socket.write(frame, callback);
    socket.uncork(); // what is corked goes first, then this frame, as it comes
    const below = socket.write(frame, callback);
    socket.cork();
    return below;
  }

  /** @internal The tick ended: what it corked goes out. */
  tickEnded(): void {
    this.#corked = false;
    this.#socket.uncork();
  }
}
