import type { ReplyFrame } from './framed';

/** Where a message came from and where it goes, beyond its payload; framed clients see all of it. */
export interface MessageStamp {
  /** The channel it was published to. */
  readonly channel?: string | undefined;
  /** The sender's identity, when the application sends it along (JSON-serialisable). */
  readonly sender?: unknown;
  /** A reply to one framed client (joined, left, error); its payload is empty. */
  readonly reply?: ReplyFrame | undefined;
}

/**
 * One outbound message, made once per `broadcast`/`publish`/`send`/`write` and shared by every
 * recipient. Its UTF-8 bytes are computed at most once, when the first wire format asks for them.
 */
export class OutboundMessage {
  /** The text, for a text message; `undefined` for a binary one. */
  readonly text: string | undefined;
  /** True when the message is bytes rather than text (a WebSocket binary frame). */
  readonly binary: boolean;
  /**
   * The message's number in the hub's log, given once when it enters the hub (see
   * docs/framed-mode.md); undefined for a message that never entered one.
   */
  seq: number | undefined;
  /** The node that numbered it (its `nodeId`), given with the number. */
  node: string | undefined;
  /** When the message was made, in milliseconds since the epoch. */
  readonly time: number;
  readonly channel: string | undefined;
  readonly sender: unknown;
  readonly reply: ReplyFrame | undefined;
  #bytes: Buffer | undefined;

  /** `time`: when it was sent, for a message that comes from another node. */
  constructor(data: string | Uint8Array, encoding?: BufferEncoding, stamp: MessageStamp = {}, time: number = Date.now()) {
    this.time = time;
    this.channel = stamp.channel;
    this.sender = stamp.sender;
    this.reply = stamp.reply;
    if (typeof data === 'string' && (encoding === undefined || /^utf-?8$/i.test(encoding))) {
      this.text = data;
      this.binary = false;
    } else {
      // The seed's write(data, encoding): a string in another encoding stands for bytes.
      this.#bytes = typeof data === 'string' ? Buffer.from(data, encoding) : toBuffer(data);
      this.text = undefined;
      this.binary = true;
    }
  }

  /** A unique id (`<nodeId>.<seq>`) once it has a number; made when asked for (framed clients), not per message. */
  get id(): string | undefined {
    return this.seq === undefined || this.node === undefined ? undefined : `${this.node}.${this.seq}`;
  }

  /** The payload's size in bytes (UTF-8 for text), without encoding it. */
  get byteLength(): number {
    return this.#bytes?.byteLength ?? Buffer.byteLength(this.text ?? '', 'utf8');
  }

  /** The payload as bytes (UTF-8 for text), computed once. */
  get bytes(): Buffer {
    this.#bytes ??= Buffer.from(this.text ?? '', 'utf8');
    return this.#bytes;
  }
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
