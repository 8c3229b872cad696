/**
 * One HTTP client's session: the hub's Connection for a client whose requests come and go.
 *
 *   hub frame -> write() -> pending (seq assigned, in order) --flush at tick end--> the open response
 *                                                              \-> sent (kept for resume)
 *   a new request -> open(downstream, resumeAfter): sent entries after the client's last seq
 *   go out again, then pending; the previous response, if any, is ended cleanly
 *   hub ticker -> heartbeat(): ping the open response, or expire after sessionIdleMs without one
 */
import {
  type Client,
  type CloseReason,
  type Connection,
  type ConnectionEvents,
  GrapplerError,
  type UpstreamItem,
  type WireFormat,
  atTickEnd,
  isFramed,
} from '@grappler/core';

/**
 * What keeping one sent frame for resuming costs beside the frame's bytes: its entry. A broadcast's
 * frame is one buffer shared by every session, so with small messages the entries are most of the
 * memory a window holds; counting them keeps `resumeWindowBytes` a bound on that memory.
 */
export const KEPT_FRAME_OVERHEAD_BYTES = 64;

/** A frame with its place in the session's order. */
export interface QueuedFrame<Frame> {
  readonly seq: number;
  readonly frame: Frame;
  readonly bytes: number;
}

/** The open response of a session, as its transport writes it. */
export interface Downstream<Frame> {
  /** Writes frames; returns false when the response is complete (a long poll answers once). */
  send(entries: readonly QueuedFrame<Frame>[]): boolean;
  /** Keeps the response alive; returns false when it completed instead (a long poll's timeout). */
  ping(): boolean;
  /**
   * Ends the response: another request of the session took over (`replaced`), or the session is
   * gone (`closed`). A session cut off as too slow (`terminate()`) has its response destroyed by
   * the session layer instead: a peer that does not read would never see a polite ending.
   */
  end(why: 'replaced' | 'closed'): void;
  /** Bytes written to the response but not yet flushed to the kernel. */
  readonly bufferedBytes: number;
}

/** Settings of one session. */
export interface SessionSettings {
  readonly resumeWindowBytes: number;
  readonly sessionIdleMs: number;
  readonly highWaterMarkBytes: number;
  frameBytes(frame: unknown): number;
}

/** An HTTP session; its frames are those of its transport's wire format. */
export class Session<Frame> implements Connection<Frame> {
  readonly id: string;
  readonly transport: string;
  readonly format: WireFormat<Frame>;
  readonly #settings: SessionSettings;
  readonly #onGone: (session: Session<Frame>) => void;
  /** The client the hub attached this session to (see {@link bind}). */
  client: Client | undefined = undefined;
  #events: ConnectionEvents | undefined;
  #pending: QueuedFrame<Frame>[] = [];
  #pendingBytes = 0;
  #sent: QueuedFrame<Frame>[] = [];
  #sentBytes = 0;
  /** The highest number that left the resume window unacknowledged: a resume from below it is a gap. */
  #droppedThrough = 0;
  #seq = 0;
  #downstream: Downstream<Frame> | undefined;
  #idleSince = Date.now();
  #awaitingDrain = false;
  #closed = false;
  /** Set by close() while frames still wait for the client's next request. */
  #closing: CloseReason | undefined;
  #onTerminate: ((downstream: Downstream<Frame>) => void) | undefined;
  /** A flush is due when the tick ends: what is written in one tick goes out in one batch. */
  #flushDue = false;

  constructor(
    id: string,
    transport: string,
    format: WireFormat<Frame>,
    settings: SessionSettings,
    onGone: (session: Session<Frame>) => void,
  ) {
    this.id = id;
    this.transport = transport;
    this.format = format;
    this.#settings = settings;
    this.#onGone = onGone;
  }

  /** Starts reporting to the hub's `events` as `client`'s (what `attach` returned). */
  bind(events: ConnectionEvents, client: Client): void {
    this.#events = events;
    this.client = client;
  }

  /** The sequence number of the newest frame. */
  get lastSeq(): number {
    return this.#seq;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Queued frames not yet written, plus what the open response has not flushed. */
  get bufferedBytes(): number {
    return this.#pendingBytes + (this.#downstream?.bufferedBytes ?? 0);
  }

  /** Queues a frame: a framed session numbers it with the hub's number (`seq`), which its client resumes by. */
  write(frame: Frame, seq?: number): boolean {
    if (this.#closed || this.#closing) return false;
    const bytes = this.#settings.frameBytes(frame);
    // A framed session's frames keep the hub's number, which its client resumes by on any
    // transport. A plain session numbers its own 1, 2, 3, …: it resumes only itself, and the hub
    // may hand it frames without a number (a cluster node's, before its shared log numbered them).
    this.#seq = seq !== undefined && isFramed(this.format) ? seq : this.#seq + 1;
    this.#pending.push({ seq: this.#seq, frame, bytes });
    this.#pendingBytes += bytes;
    // Not at once: the frames of a burst (a broadcast loop, a replay) go out together, and a long
    // poll answers with all of them rather than with the first.
    if (this.#downstream && !this.#flushDue) {
      this.#flushDue = true;
      atTickEnd(this);
    }
    if (this.bufferedBytes <= this.#settings.highWaterMarkBytes) return true;
    this.#awaitingDrain = true;
    return false;
  }

  /** A message the client POSTed. */
  receive(message: string): void {
    if (!this.#closed && !this.#closing) this.#events?.message(this, message);
  }

  /** The highest numbered message delivered so far (see {@link receiveNumbered}). */
  get upstream(): number {
    return this.client?.upstream ?? 0;
  }

  /**
   * Messages the client numbered, `first` being the number of the first: those at or below
   * {@link upstream} were delivered by an earlier attempt of the same POST (or, for a framed
   * client, over an earlier connection) and are skipped, so a retried POST delivers each message
   * once. False (nothing delivered) when `first` would leave a hole: a client sends its batches in order.
   */
  receiveNumbered(first: number, messages: readonly UpstreamItem[]): boolean {
    if (this.#closed || this.#closing) return true;
    return this.#events?.numbered(this, first, messages) ?? false;
  }

  /**
   * A request opens the downstream. `resumeAfter` is the last seq the client has: sent frames
   * after it go out again, once, before the pending ones. Without it, everything sent so far
   * counts as received.
   */
  open(downstream: Downstream<Frame>, resumeAfter: number | undefined): void {
    if (this.#closed) {
      downstream.end('closed');
      return;
    }
    const previous = this.#downstream;
    this.#downstream = downstream;
    previous?.end('replaced');
    // Usually the client has all it was sent (a long poll's next request): nothing to copy.
    const sent = this.#sent;
    const unacknowledged = resumeAfter === undefined || sent.length === 0 || sent.at(-1)!.seq <= resumeAfter ? [] : sent.filter((entry) => entry.seq > resumeAfter);
    const format = this.format;
    if (resumeAfter !== undefined && resumeAfter < this.#droppedThrough && isFramed(format)) {
      // What went out of the resume window unacknowledged is lost: a framed client is told so.
      const to = this.#droppedThrough;
      const frame = format.encodeControl({ t: 'gap', s: to, from: resumeAfter + 1 });
      unacknowledged.unshift({ seq: to, frame, bytes: this.#settings.frameBytes(frame) });
    }
    sent.length = 0;
    this.#sentBytes = 0;
    this.#droppedThrough = 0;
    if (unacknowledged.length > 0) {
      this.#pending = [...unacknowledged, ...this.#pending];
      this.#pendingBytes += unacknowledged.reduce((sum, entry) => sum + entry.bytes, 0);
    }
    this.#flush();
    // A session closed between requests ends once this request has carried what was left.
    if (this.#closing) this.#finish(this.#closing);
  }

  /** @internal The tick in which frames were written has ended: they go out as one batch. */
  tickEnded(): void {
    this.#flushDue = false;
    this.#flush();
  }

  /** The open response flushed what it had buffered: a writer waiting for `drain` may go on. */
  flushed(): void {
    if (this.#awaitingDrain && this.bufferedBytes <= this.#settings.highWaterMarkBytes) {
      this.#awaitingDrain = false;
      this.#events?.drain(this);
    }
  }

  /** The response `downstream` is gone (finished, or the client hung up). */
  detach(downstream: Downstream<Frame>): void {
    if (this.#downstream !== downstream) return;
    this.#downstream = undefined;
    this.#idleSince = Date.now();
  }

  /** Called by the hub's one ticker: ping the open response, or expire an abandoned session. */
  heartbeat(): void {
    if (this.#closed) return;
    const downstream = this.#downstream;
    if (downstream) {
      if (!downstream.ping()) this.detach(downstream);
      return;
    }
    const idle = Date.now() - this.#idleSince;
    if (idle < this.#settings.sessionIdleMs) return;
    if (this.#closing) {
      this.#finish(this.#closing);
      return;
    }
    const error = new GrapplerError('ERR_SESSION_EXPIRED', `no request for ${idle} ms (sessionIdleMs ${this.#settings.sessionIdleMs})`);
    this.#events?.error(this, error);
    this.close({ code: 1001, reason: 'session expired', error });
  }

  /**
   * Closes the session. Frames written before, while no request is open, still go out on the
   * client's next request (within sessionIdleMs): what was sent before a close is not lost.
   */
  close(reason: CloseReason): void {
    if (this.#closed || this.#closing) return;
    this.#flush(); // what was written this tick goes out before the end
    if (!this.#downstream && this.#pending.length > 0) {
      this.#closing = reason;
      return;
    }
    this.#finish(reason);
  }

  #finish(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing = undefined;
    const downstream = this.#downstream;
    this.#downstream = undefined;
    this.#pending = [];
    this.#sent = [];
    downstream?.end('closed');
    this.#onGone(this);
    this.#events?.closed(this, reason);
  }

  terminate(): void {
    const downstream = this.#downstream;
    this.#downstream = undefined;
    if (downstream) this.#onTerminate?.(downstream);
    this.#finish({ code: 1008, reason: 'terminated' });
  }

  /** @internal How the session layer destroys a response at once (set by the HTTP transport). */
  set onTerminate(destroy: (downstream: Downstream<Frame>) => void) {
    this.#onTerminate = destroy;
  }

  #flush(): void {
    const downstream = this.#downstream;
    if (!downstream || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#retain(batch);
    if (!downstream.send(batch)) this.detach(downstream);
    this.flushed();
  }

  /** Keeps recently sent frames, up to resumeWindowBytes (each counted with its entry), for a client that reconnects. */
  #retain(batch: readonly QueuedFrame<Frame>[]): void {
    for (const entry of batch) {
      this.#sent.push(entry);
      this.#sentBytes += entry.bytes + KEPT_FRAME_OVERHEAD_BYTES;
    }
    while (this.#sentBytes > this.#settings.resumeWindowBytes && this.#sent.length > 0) {
      const dropped = this.#sent.shift()!;
      this.#sentBytes -= dropped.bytes + KEPT_FRAME_OVERHEAD_BYTES;
      this.#droppedThrough = dropped.seq;
    }
  }
}
