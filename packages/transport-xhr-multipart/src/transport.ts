/**
 * XHR multipart streaming on the shared HTTP session layer: one long response per session,
 * each message a part. http-session routes requests, owns the session's ordered queue, resume,
 * POSTed messages, CORS and expiry; this file only writes the response.
 *
 *   GET -> open(): 200 with a fresh boundary -> Downstream
 *   Session.write(frame) -> send(entries): partHead(boundary, seq) + the shared frame, per entry, in one buffer
 *   hub ticker -> Session.heartbeat -> ping(): a ping part     Session ends it -> end(): --boundary--
 */
import type { Transport } from '@grappler/core';
import { type Downstream, type HttpTransportOptions, type OpenContext, type Session, createHttpTransport, framesWithHeads, writeBatch } from '@grappler/http-session';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MULTIPART_FORMAT, closingDelimiter, createBoundary, multipartContentType, partHeadText, pingPart } from './format';

/**
 * The XHR multipart transport: `GET ?transport=xhr-multipart` (or `path`) opens a
 * `multipart/x-mixed-replace` stream with one part per message; `POST` sends messages.
 * @example createHub({ transports: [xhrMultipartTransport({ path: '/push' })] })
 */
export function xhrMultipartTransport(options: HttpTransportOptions = {}): Transport {
  return createHttpTransport<Buffer>({ name: 'xhr-multipart', format: MULTIPART_FORMAT, frameBytes, open: openStream }, options);
}

function frameBytes(frame: Buffer): number {
  return frame.length;
}

/** Writes the response head with a boundary of its own and returns the session's downstream for it. */
function openStream(_req: IncomingMessage, res: ServerResponse, session: Session<Buffer>, context: OpenContext): Downstream<Buffer> {
  const boundary = createBoundary();
  // The stream ends with its connection: no chunked encoding, so each part is one write, not four.
  res.useChunkedEncodingByDefault = false;
  res.writeHead(200, {
    ...context.headers,
    'Content-Type': multipartContentType(boundary),
    'Cache-Control': 'no-cache, no-store',
    'X-Accel-Buffering': 'no',
    'X-Grappler-Seq': String(session.lastSeq),
  });
  res.flushHeaders();
  const ping = pingPart(boundary);
  // A response whose peer is gone answers false, so the session detaches it and can expire even
  // if the response closed before http-session listened for 'close'.
  const open = (): boolean => !res.writableEnded && !res.destroyed;
  return {
    send(entries) {
      if (!open()) return false;
      // One write per batch: the part heads (the per-client bytes) copied in beside the shared parts.
      writeBatch(res, framesWithHeads(entries, partHeadText, boundary));
      return true;
    },
    ping() {
      if (!open()) return false;
      // Behind unflushed bytes a ping would only grow a backlog the peer is not reading.
      if (res.writableLength === 0) res.write(ping);
      return true;
    },
    end() {
      if (!res.writableEnded) res.end(closingDelimiter(boundary));
    },
    get bufferedBytes() {
      return res.writableLength;
    },
  };
}
