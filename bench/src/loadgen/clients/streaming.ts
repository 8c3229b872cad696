/**
 * grappler's streaming HTTP transports: Server-Sent Events (a GET with `Accept: text/event-stream`,
 * what a native EventSource sends) and XHR multipart (`?transport=xhr-multipart`). One response
 * stays open and carries every message; payloads are found in it by their head, whatever the
 * framing (`data:` lines, multipart parts).
 */
import { StreamScanner } from '../../payload.js';
import { HttpConnection } from '../lean-http.js';
import { getRequest } from './http-requests.js';
import type { BenchClient, ClientSpec } from './types.js';

export function sseClient(spec: ClientSpec): BenchClient {
  return streamingClient(spec, 'sse', '/', 'Accept: text/event-stream\r\n');
}

export function xhrMultipartClient(spec: ClientSpec): BenchClient {
  return streamingClient(spec, 'xhr-multipart', '/?transport=xhr-multipart', '');
}

function streamingClient(
  { index, host, port, sink, life }: ClientSpec,
  kind: 'sse' | 'xhr-multipart',
  path: string,
  headers: string,
): BenchClient {
  const scanner = new StreamScanner((seq) => sink.payload(index, seq));
  const connection = new HttpConnection(host, port);
  connection.onClose = (error) => life.closed(error);
  connection.request(getRequest(host, port, path, headers), {
    head: (status) => {
      if (status === 200) life.ready();
      else {
        connection.destroy();
        life.closed(new Error(`${kind}: status ${status}`));
      }
    },
    body: (piece) => {
      if (scanner.push(piece) > 0) sink.endOfRead();
    },
    end: () => connection.destroy(), // the server ended the stream: this client is done
  });
  return {
    kind,
    send: () => {
      throw new Error(`${kind} clients do not send in this benchmark`);
    },
    pause: () => connection.socket.pause(),
    resume: () => connection.socket.resume(),
    destroy: () => connection.destroy(),
  };
}
