/**
 * SockJS's xhr-streaming transport, spoken directly: `POST /sockjs/<server>/<session>/xhr_streaming`
 * answers a prelude of 2048 `h`s and a newline, then `o` (open), then frames `a[…]` holding one or
 * more messages, and `h` heartbeats. The server ends the response after 128 KiB (its default
 * `response_limit`), and the client POSTs again for the same session, as SockJS's browser client does.
 */
import { randomBytes } from 'node:crypto';
import { StreamScanner } from '../../payload.js';
import { SOCKJS_PREFIX } from '../../protocol.js';
import { HttpConnection } from '../lean-http.js';
import type { BenchClient, ClientSpec } from './types.js';

const OPEN_FRAME = '\no\n';

export function sockjsXhrStreamingClient({ index, host, port, sink, life }: ClientSpec): BenchClient {
  const scanner = new StreamScanner((seq) => sink.payload(index, seq));
  const session = randomBytes(12).toString('hex');
  const path = `${SOCKJS_PREFIX}/${String(index % 1000).padStart(3, '0')}/${session}/xhr_streaming`;
  const request = `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Length: 0\r\n\r\n`;
  let connection: HttpConnection | undefined;
  let opened = false;
  let seen = '';
  let stopped = false;
  let paused = false;

  const stream = (): void => {
    if (stopped) return;
    if (connection === undefined || connection.closed) {
      connection = new HttpConnection(host, port);
      if (paused) connection.socket.pause();
      connection.onClose = (error?: Error) => {
        // A response ended by closing the connection is followed by a new one, like any other end.
        if (!stopped && error === undefined && opened) stream();
        else if (!stopped) {
          stopped = true;
          life.closed(error);
        }
      };
    }
    const current = connection;
    current.request(request, {
      head: (status) => {
        if (status !== 200) {
          stopped = true;
          current.destroy();
          life.closed(new Error(`sockjs: status ${status}`));
        }
      },
      body: (piece) => {
        if (scanner.push(piece) > 0) sink.endOfRead();
        if (!opened) {
          seen += piece.toString('latin1');
          if (seen.includes(OPEN_FRAME)) {
            opened = true;
            seen = '';
            life.ready();
          }
        }
      },
      end: () => stream(),
    });
  };
  stream();
  return {
    kind: 'sockjs-xhr-streaming',
    send: () => {
      throw new Error('SockJS clients do not send in this benchmark');
    },
    pause: () => {
      paused = true;
      connection?.socket.pause();
    },
    resume: () => {
      paused = false;
      connection?.socket.resume();
    },
    destroy: () => {
      stopped = true;
      connection?.destroy();
    },
  };
}
