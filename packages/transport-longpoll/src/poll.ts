/**
 * One long poll as a session's Downstream. A poll answers once:
 *
 *   new session        -> answered at once (in the next turn of the event loop) with its id and
 *                         whatever is already queued for it: {"session":id,"seq":0,"messages":[]},
 *                         or a framed session's hello
 *   send(entries)      -> collected; the first makes the poll due: every due poll is answered in
 *                         the next turn (one setImmediate for all of them), with everything it
 *                         collected by then (a burst written in one tick = one response)
 *   ping() (hub tick)  -> held for pingInterval already? answer with an empty batch
 *   end('replaced')    -> a newer poll of the session took over: an empty batch, 200
 *   end('closed')      -> the session is gone: what this poll collected goes out (200), or,
 *                         with nothing left to say, 410 ERR_SESSION_CLOSED
 *
 * Once answered, send and ping return false: the session keeps later frames (and the ones
 * this poll answered with, until the client acknowledges them) for the next poll.
 */
import type { Downstream, OpenContext, QueuedFrame } from '@grappler/http-session';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { LONGPOLL_CONTENT_TYPE, renderBatch } from './format';

/** How many polls are answered between two looks at the clock. */
const ANSWERS_PER_CLOCK_READ = 32;

/** The body of the answer to a poll whose session has closed. */
const CLOSED_BODY = Buffer.from(JSON.stringify({ error: 'ERR_SESSION_CLOSED', message: 'the server closed this session' }));

/** Writes one complete poll response. */
function respond(res: ServerResponse, status: 200 | 410, headers: OutgoingHttpHeaders, body: Buffer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    ...headers,
    'Content-Type': LONGPOLL_CONTENT_TYPE,
    'Cache-Control': 'no-store',
    'Content-Length': body.length,
  });
  res.end(body);
}

/** A poll held open until it has something to say (or pingInterval passes). */
export class HeldPoll implements Downstream<Buffer> {
  readonly #res: ServerResponse;
  readonly #sessionId: string;
  readonly #resumedFrom: number;
  readonly #context: OpenContext;
  readonly #openedAt = Date.now();
  #collected: QueuedFrame<Buffer>[] = [];
  #scheduled = false;
  #answered = false;

  /**
   * Polls to answer in the next turn. One list and one setImmediate, not one per poll: a
   * broadcast makes every held poll due at once.
   */
  static #due: HeldPoll[] = [];

  /**
   * Answers the due polls, for the hub's `fanOutSliceMs` at a time: thousands of answers in one
   * go would hold up every other socket, request and timer, as an unsliced fan-out would. The rest
   * are answered first in the next turn.
   */
  static #answerDue(): void {
    const due = HeldPoll.#due;
    HeldPoll.#due = [];
    const started = performance.now();
    for (let index = 0; index < due.length; index++) {
      const poll = due[index]!;
      poll.#answer();
      const more = index + 1 < due.length;
      if (more && (index + 1) % ANSWERS_PER_CLOCK_READ === 0 && performance.now() - started >= poll.#context.sliceMs) {
        const scheduled = HeldPoll.#due.length > 0;
        HeldPoll.#due = due.slice(index + 1).concat(HeldPoll.#due);
        if (!scheduled) setImmediate(HeldPoll.#answerDue);
        return;
      }
    }
  }

  /** Answers this poll in the next turn of the event loop. */
  #schedule(): void {
    this.#scheduled = true;
    if (HeldPoll.#due.push(this) === 1) setImmediate(HeldPoll.#answerDue);
  }

  /**
   * `resumedFrom` is the seq the poll sent (0 without one): an empty batch carries it back.
   * `atOnce`: answer without waiting for messages (a new session's first request).
   */
  constructor(res: ServerResponse, sessionId: string, resumedFrom: number, context: OpenContext, atOnce = false) {
    this.#res = res;
    this.#sessionId = sessionId;
    this.#resumedFrom = resumedFrom;
    this.#context = context;
    // Not now: the session hands this poll what is already queued (a hello) right after opening it.
    if (atOnce) this.#schedule();
  }

  /** Answered, or the client hung up (a destroyed response): nothing more goes to it. */
  get #done(): boolean {
    return this.#answered || this.#res.destroyed;
  }

  get bufferedBytes(): number {
    return this.#res.writableLength;
  }

  send(entries: readonly QueuedFrame<Buffer>[]): boolean {
    if (this.#done) return false;
    for (const entry of entries) this.#collected.push(entry);
    if (!this.#scheduled) this.#schedule();
    return true;
  }

  ping(): boolean {
    if (this.#done) return false;
    if (this.#scheduled || Date.now() - this.#openedAt < this.#context.pingInterval) return true;
    this.#answer();
    return false;
  }

  end(why: 'replaced' | 'closed'): void {
    if (this.#done) return;
    if (why === 'replaced') {
      // Empty, so nothing arrives twice: what this poll collected is unacknowledged, and the
      // newer poll re-sends it when its seq says the client lacks it.
      this.#collected = [];
      this.#answer();
      return;
    }
    // The last frames before a close are delivered; the next poll learns the session is gone.
    if (this.#collected.length > 0) {
      this.#answer();
      return;
    }
    this.#answered = true;
    respond(this.#res, 410, this.#context.headers, CLOSED_BODY);
  }

  #answer(): void {
    if (this.#done) return;
    this.#answered = true;
    const entries = this.#collected;
    this.#collected = [];
    const seq = entries.at(-1)?.seq ?? this.#resumedFrom;
    respond(this.#res, 200, this.#context.headers, renderBatch(this.#sessionId, seq, entries.map((entry) => entry.frame)));
  }
}
