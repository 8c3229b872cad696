/**
 * A lean RFC 6455 client over a raw `net.Socket`: it writes the upgrade request itself, then only
 * reads frame headers, into one read buffer shared by every socket. A data frame's payload is handed
 * over as a range of that buffer (no copy, no string), pings are answered, and nothing else is done, so counting a million frames
 * costs the load generator little and the same whichever server is behind it. Frames are assumed
 * unfragmented and unmasked, as every server here sends them.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { type Socket, connect } from 'node:net';
import { sharedRead } from './shared-read.js';

export interface WebSocketEvents {
  /** A text or binary message: `buf[start, end)`, valid only during the call. */
  message(buf: Buffer, start: number, end: number): void;
  /** The end of one read from the network (after its messages): when deliveries get their time. */
  afterRead(): void;
  /** The handshake was answered 101. */
  open(): void;
  /** The connection ended; `error` when it failed rather than closed. */
  close(error?: Error): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/** 4-byte mask keys come from one random pool, refilled when used up. */
const maskPool = Buffer.alloc(4096);
let maskAt = maskPool.length;
function nextMask(): Buffer {
  if (maskAt + 4 > maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  maskAt += 4;
  return maskPool.subarray(maskAt - 4, maskAt);
}

export class LeanWebSocket {
  readonly socket: Socket;
  #events: WebSocketEvents;
  #open = false;
  #ended = false;
  /** Bytes of an incomplete handshake answer or frame, waiting for the rest. */
  #pending: Buffer | null = null;

  constructor(host: string, port: number, path: string, events: WebSocketEvents) {
    this.#events = events;
    this.socket = connect({
      host,
      port,
      noDelay: true,
      onread: sharedRead((chunk) => (this.#open ? this.#frames(chunk) : this.#handshake(chunk))),
    });
    const key = randomBytes(16).toString('base64');
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('error', (error) => this.#end(error));
    this.socket.on('close', () => this.#end());
  }

  get isOpen(): boolean {
    return this.#open && !this.#ended;
  }

  /** Sends one text message (masked, as a client must). */
  send(text: string): void {
    this.#sendFrame(OPCODE_TEXT, Buffer.from(text));
  }

  /** Stops reading: the server's writes pile up in the kernel and then in the server (a slow client). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Ends the connection without a closing handshake (the bench never needs one). */
  destroy(): void {
    this.socket.destroy();
  }

  #handshake(chunk: Buffer): void {
    const buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    const headerEnd = buf.indexOf(HEADER_END);
    if (headerEnd === -1) {
      if (buf.length > 16_384) this.#fail(new Error('handshake answer too long'));
      else this.#pending = Buffer.from(buf); // a copy: the chunk's buffer is reused by the next read
      return;
    }
    const statusLine = buf.toString('latin1', 0, Math.min(headerEnd, 64));
    if (!statusLine.startsWith('HTTP/1.1 101')) {
      this.#fail(new Error(`handshake refused: ${statusLine.split('\r\n')[0]}`));
      return;
    }
    this.#open = true;
    this.#events.open();
    const rest = buf.subarray(headerEnd + HEADER_END.length);
    if (rest.length > 0) this.#frames(rest);
  }

  #frames(chunk: Buffer): void {
    let buf = chunk;
    if (this.#pending !== null) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
    }
    const length = buf.length;
    let pos = 0;
    while (length - pos >= 2) {
      const b0 = buf[pos]!;
      const b1 = buf[pos + 1]!;
      let payloadLength = b1 & 0x7f;
      let headerLength = 2;
      if (payloadLength === 126) {
        if (length - pos < 4) break;
        payloadLength = buf.readUInt16BE(pos + 2);
        headerLength = 4;
      } else if (payloadLength === 127) {
        if (length - pos < 10) break;
        payloadLength = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
        headerLength = 10;
      }
      if (b1 & 0x80) {
        this.#fail(new Error('the server sent a masked frame'));
        return;
      }
      const start = pos + headerLength;
      const end = start + payloadLength;
      if (end > length) break;
      const opcode = b0 & 0x0f;
      if (opcode < OPCODE_CLOSE) this.#events.message(buf, start, end);
      else if (opcode === OPCODE_PING) this.#sendFrame(OPCODE_PONG, buf.subarray(start, end));
      else if (opcode === OPCODE_CLOSE) {
        this.socket.end();
        return;
      }
      pos = end;
    }
    // Copy the unfinished frame: a view would keep the whole (possibly large) chunk alive.
    if (pos < length) this.#pending = Buffer.from(buf.subarray(pos));
    this.#events.afterRead();
  }

  #sendFrame(opcode: number, payload: Buffer): void {
    if (this.#ended) return;
    const length = payload.length;
    const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
    const frame = Buffer.allocUnsafe(2 + lengthBytes + 4 + length);
    frame[0] = 0x80 | opcode;
    if (lengthBytes === 0) frame[1] = 0x80 | length;
    else if (lengthBytes === 2) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
      frame.writeUInt32BE(length >>> 0, 6);
    }
    const maskAtOffset = 2 + lengthBytes;
    const mask = nextMask();
    mask.copy(frame, maskAtOffset);
    const dataAt = maskAtOffset + 4;
    for (let i = 0; i < length; i++) frame[dataAt + i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(frame);
  }

  #fail(error: Error): void {
    this.socket.destroy();
    this.#end(error);
  }

  #end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#events.close(error);
  }
}
