import type { FrameWriter } from './tick-corked';

const EMPTY = Buffer.alloc(0);

/** Who hears that a full buffer has drained: the connection itself, not a closure made for it. */
export interface DrainTarget {
  drained(): void;
}

/**
 * The `write() → boolean` / `drain` contract for connections that write to a socket: false
 * once more than `highWaterMarkBytes` wait in user memory, then one `drain` when everything
 * written so far has reached the kernel. Only slow clients pay for the write callbacks.
 */
export class Backpressure {
  readonly #highWaterMarkBytes: number;
  readonly #target: DrainTarget;
  /** Whether a socket under its own mark is under ours too (16 KiB against 64 KiB by default). */
  readonly #socketMarkWithin: boolean;
  #awaiting = false;
  #generation = 0;

  /** `socketHighWaterMark`: the socket's `writableHighWaterMark`. */
  constructor(highWaterMarkBytes: number, target: DrainTarget, socketHighWaterMark: number) {
    this.#highWaterMarkBytes = highWaterMarkBytes;
    this.#target = target;
    this.#socketMarkWithin = socketHighWaterMark <= highWaterMarkBytes;
  }

  /** True between a `write` that returned false and the `drain` that follows it. */
  get awaiting(): boolean {
    return this.#awaiting;
  }

  /** Writes a frame to the socket; `buffered` is how much is queued for the socket after it. */
  writeTo(out: FrameWriter, frame: Uint8Array, buffered: { readonly bufferedBytes: number }): boolean {
    if (this.#awaiting) {
      out.write(frame, this.watch());
      return false;
    }
    // The socket's own answer settles the usual case without counting what is queued (a fan-out's
    // hottest path); past the socket's mark, the count decides.
    if (out.write(frame) && this.#socketMarkWithin) return true;
    if (buffered.bufferedBytes <= this.#highWaterMarkBytes) return true;
    // An empty write queued behind the frame tells when everything before it has gone.
    out.write(EMPTY, this.watch());
    return false;
  }

  /** Whether a frame of `bytes` would pass the mark (for writers that cannot look afterwards). */
  wouldOverflow(queued: number, bytes: number): boolean {
    return this.#awaiting || queued + bytes > this.#highWaterMarkBytes;
  }

  /** A write callback that reports `drain` unless a later write was watched meanwhile. */
  watch(): (error?: Error | null) => void {
    this.#awaiting = true;
    const generation = ++this.#generation;
    return (error) => {
      if (error || generation !== this.#generation) return;
      this.#awaiting = false;
      this.#target.drained();
    };
  }
}
