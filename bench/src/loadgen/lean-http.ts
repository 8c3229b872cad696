/**
 * A lean HTTP/1.1 keep-alive connection over a raw `net.Socket`, for every HTTP wire format of the
 * load generator: one request at a time, the answer's body handed over as it arrives (de-chunked
 * when chunked), so long-lived streams (SSE, multipart, xhr-streaming) and long polls cost the same
 * small parser whoever serves them. Node's `http` client would do, at several times the CPU per
 * request, which at 20,000 polls a second would make the load generator the bottleneck.
 */
import { type Socket, connect } from 'node:net';
import { sharedRead } from './shared-read.js';

export interface ResponseSink {
  /** Status line and headers arrived; `headers` is the raw header block, lower-cased. */
  head(status: number, headers: string): void;
  /** A piece of the (de-chunked) body, valid only during the call (the read buffer is shared): copy what you keep. */
  body(piece: Buffer): void;
  /** The body is complete; the connection can take the next request. */
  end(): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CR = 0x0d;
const LF = 0x0a;

type Phase = 'idle' | 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-data-end' | 'trailer' | 'until-close';

export class HttpConnection {
  readonly socket: Socket;
  /** Called once when the socket is gone (closed by either side, or failed). */
  onClose: (error?: Error) => void = () => {};
  #sink: ResponseSink | null = null;
  #phase: Phase = 'idle';
  #pending: Buffer | null = null;
  /** Body bytes left: of a Content-Length body, or of the current chunk. */
  #remaining = 0;
  #sizeLine = '';
  #closed = false;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port, noDelay: true, onread: sharedRead((chunk) => this.#read(chunk)) });
    this.socket.on('error', (error) => this.#close(error));
    this.socket.on('close', () => this.#close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True while an answer is still coming. */
  get busy(): boolean {
    return this.#phase !== 'idle';
  }

  /** Sends a whole request (head and body); the answer goes to `sink`. */
  request(request: string, sink: ResponseSink): void {
    if (this.#phase !== 'idle') throw new Error('one request at a time');
    this.#sink = sink;
    this.#phase = 'head';
    this.socket.write(request);
  }

  destroy(): void {
    this.socket.destroy();
  }

  #read(chunk: Buffer): void {
    let buf = chunk;
    if (this.#pending !== null) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
    }
    let pos = 0;
    while (pos < buf.length) {
      const sink = this.#sink;
      if (sink === null) return; // bytes with no request: ignore (never happens with these servers)
      switch (this.#phase) {
        case 'idle':
          return;
        case 'head': {
          const headerEnd = buf.indexOf(HEADER_END, pos);
          if (headerEnd === -1) {
            this.#pending = Buffer.from(buf.subarray(pos));
            return;
          }
          const head = buf.toString('latin1', pos, headerEnd).toLowerCase();
          pos = headerEnd + HEADER_END.length;
          const status = Number(head.slice(9, 12));
          // 1xx answers (none expected) would be followed by the real one.
          if (head.includes('\r\ntransfer-encoding: chunked')) {
            this.#phase = 'chunk-size';
            this.#sizeLine = '';
          } else {
            const match = /\r\ncontent-length: *(\d+)/.exec(head);
            if (match !== null) {
              this.#remaining = Number(match[1]);
              this.#phase = 'length';
            } else this.#phase = 'until-close';
          }
          sink.head(status, head);
          if (this.#phase === 'length' && this.#remaining === 0) this.#finish();
          break;
        }
        case 'length': {
          const take = Math.min(this.#remaining, buf.length - pos);
          sink.body(buf.subarray(pos, pos + take));
          pos += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#finish();
          break;
        }
        case 'until-close':
          sink.body(buf.subarray(pos));
          return;
        case 'chunk-size': {
          // "<hex size>[;extensions]\r\n"
          const lineEnd = buf.indexOf(LF, pos);
          if (lineEnd === -1) {
            this.#sizeLine += buf.toString('latin1', pos);
            return;
          }
          this.#sizeLine += buf.toString('latin1', pos, lineEnd);
          pos = lineEnd + 1;
          const size = Number.parseInt(this.#sizeLine, 16);
          this.#sizeLine = '';
          if (Number.isNaN(size)) {
            this.#close(new Error('malformed chunk size'));
            this.socket.destroy();
            return;
          }
          this.#remaining = size;
          this.#phase = size === 0 ? 'trailer' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.#remaining, buf.length - pos);
          sink.body(buf.subarray(pos, pos + take));
          pos += take;
          this.#remaining -= take;
          if (this.#remaining === 0) {
            this.#phase = 'chunk-data-end';
            this.#remaining = 2; // the CRLF after the data
          }
          break;
        }
        case 'chunk-data-end': {
          while (this.#remaining > 0 && pos < buf.length) {
            pos++;
            this.#remaining--;
          }
          if (this.#remaining === 0) this.#phase = 'chunk-size';
          break;
        }
        case 'trailer': {
          // Trailer lines until an empty one; these servers send none, so usually just "\r\n".
          const lineEnd = buf.indexOf(LF, pos);
          if (lineEnd === -1) {
            this.#sizeLine += buf.toString('latin1', pos);
            return;
          }
          const line = this.#sizeLine + buf.toString('latin1', pos, lineEnd);
          this.#sizeLine = '';
          pos = lineEnd + 1;
          if (line.length === 0 || (line.length === 1 && line.charCodeAt(0) === CR)) this.#finish();
          break;
        }
      }
    }
  }

  #finish(): void {
    const sink = this.#sink;
    this.#phase = 'idle';
    this.#sink = null;
    sink?.end();
  }

  #close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#phase === 'until-close') this.#finish();
    this.onClose(error);
  }
}
