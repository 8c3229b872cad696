/**
 * What Node's http.Server does with a client error when nobody listens for 'clientError'
 * (`socketOnError` in lib/_http_server.js): a one-line error response, unless a response is
 * already under way, then destroy. A 'clientError' listener takes that duty over, so the
 * policy answerer does it itself for every error that is not a policy request.
 */
import type { Socket } from 'node:net';

const STATUS_LINES: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/** The response of a pipelined request, if one is in flight: Node's own (internal) field. */
interface HttpSocket extends Socket {
  _httpMessage?: { _headerSent?: boolean } | null;
}

/** Answers and closes as Node does when a server has no 'clientError' listener. */
export function answerClientErrorAsNode(error: Error & { code?: string }, socket: Socket): void {
  const inFlight = (socket as HttpSocket)._httpMessage;
  // Bytes of an error response in the middle of a response already started would corrupt it.
  if (socket.writable && !inFlight?._headerSent) {
    const status = STATUS_LINES[error.code ?? ''] ?? '400 Bad Request';
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  }
  socket.destroy(error);
}
