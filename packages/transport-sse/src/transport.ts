/**
 * The SSE transport: one long `text/event-stream` response per session, on the shared HTTP
 * session layer (`@grappler/http-session`), which routes requests, admits and resumes sessions,
 * takes POSTed messages and expires abandoned sessions.
 *
 *   GET (Accept: text/event-stream | ?transport=sse | path) -> 200, padding, retry:, the head flushed
 *   hub broadcast -> SSE_FORMAT.encode once -> Session.write -> send(): `id: <session>.<seq>` + block
 *   hub ticker -> Session.heartbeat -> ping(): `:` comment
 *   reconnect with Last-Event-ID (or ?lastEventId=) -> the same session, resumed after that seq
 */
import type { Transport } from '@grappler/core';
import { type Downstream, type OpenContext, type QueuedFrame, type ResumePoint, type Session, createHttpTransport, framesWithHeads, requestUrl, writeBatch } from '@grappler/http-session';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSE_FORMAT, SSE_PING, paddingComment, parseLastEventId, retryField, sseIdLine } from './format';
import { type ResolvedSseOptions, type SseOptions, resolveSseOptions } from './options';

/** The query parameter EventSource polyfills send instead of the `Last-Event-ID` header. */
export const LAST_EVENT_ID_PARAM = 'lastEventId';

/** Headers of every event stream, on top of the session's (CORS, session id, cookie). */
const STREAM_HEADERS = Object.freeze({
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  // nginx buffers proxied responses unless told not to; an event stream must not wait.
  'X-Accel-Buffering': 'no',
});

/**
 * Server-Sent Events for grappler. A native `EventSource`, the `eventsource` package, curl or
 * `@grappler/client` receive broadcasts as `message` events; POST sends messages back.
 * @example
 * const hub = createHub({ transports: [sseTransport({ retryMs: 1000 })] });
 * hub.attach(server); // new EventSource('/') in a page now receives hub.broadcast('hi')
 */
export function sseTransport(options: SseOptions = {}): Transport {
  const settings = resolveSseOptions(options);
  const { retryMs: _retryMs, paddingBytes: _paddingBytes, ...http } = options;
  return createHttpTransport<Buffer>(
    {
      name: 'sse',
      format: SSE_FORMAT,
      frameBytes: (frame) => frame.length,
      resumePoint: sseResumePoint,
      open: (req, res, session, context) => openStream(settings, req, res, session, context),
    },
    http,
  );
}

/** Where a reconnecting client resumes: `Last-Event-ID`, or `?lastEventId=` from a polyfill. */
export function sseResumePoint(req: IncomingMessage): ResumePoint | undefined {
  const header = req.headers['last-event-id'];
  return parseLastEventId(typeof header === 'string' ? header : undefined) ?? parseLastEventId(requestUrl(req).searchParams.get(LAST_EVENT_ID_PARAM));
}

function openStream(
  settings: ResolvedSseOptions,
  _req: IncomingMessage,
  res: ServerResponse,
  session: Session<Buffer>,
  context: OpenContext,
): Downstream<Buffer> {
  // A write racing the peer's reset must not become an unhandled 'error'; the close that
  // follows detaches the stream and the session keeps what was not acknowledged.
  res.on('error', () => {});
  // The stream ends with its connection: no chunked encoding, so each event is one write, not four.
  res.useChunkedEncodingByDefault = false;
  res.writeHead(200, { ...context.headers, ...STREAM_HEADERS });
  let head = paddingComment(settings.paddingBytes) + retryField(settings.retryMs);
  // An id before any message: a browser that loses this stream before its first event still
  // reconnects with Last-Event-ID and resumes this session instead of starting another.
  if (context.created) head += `${sseIdLine(session.id, 0)}\n`;
  res.write(head);
  return new SseDownstream(res, session.id);
}

/** One open event stream: the only place SSE touches a response. */
class SseDownstream implements Downstream<Buffer> {
  readonly #res: ServerResponse;
  readonly #sessionId: string;

  constructor(res: ServerResponse, sessionId: string) {
    this.#res = res;
    this.#sessionId = sessionId;
  }

  get bufferedBytes(): number {
    return this.#res.writableLength;
  }

  send(entries: readonly QueuedFrame<Buffer>[]): boolean {
    const res = this.#res;
    if (!isOpen(res)) return false;
    // One write per batch: the id lines (the per-client bytes) copied in beside the shared blocks.
    writeBatch(res, framesWithHeads(entries, sseIdLine, this.#sessionId));
    return true;
  }

  ping(): boolean {
    if (!isOpen(this.#res)) return false;
    this.#res.write(SSE_PING);
    return true;
  }

  end(_why: 'replaced' | 'closed'): void {
    const res = this.#res;
    if (!isOpen(res)) return;
    // A peer that stopped reading would hold the socket (and the server's close) forever.
    const stuck = res.writableNeedDrain;
    res.end();
    if (stuck) res.destroy();
  }
}

function isOpen(res: ServerResponse): boolean {
  return !res.writableEnded && !res.destroyed && res.socket?.destroyed !== true;
}
