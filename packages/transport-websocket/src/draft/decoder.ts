/**
 * Reads what a draft-75/76 client sends, as the drafts' "data framing" sections say:
 *
 *   0x00 <UTF-8 text> 0xFF          a text message
 *   0x80-0xFF <length> <bytes>      a length-prefixed frame (length: base-128 digits, high bit
 *                                   set on all but the last); no client-to-server use is
 *                                   defined, so its bytes are skipped
 *   0xFF 0x00                       draft-76 only: the closing handshake
 *
 * Pure: bytes in, events out, whatever the chunking. Errors are sticky: nothing follows them.
 */
import { GrapplerError, LimitExceededError } from '@grappler/core';
import { isUtf8 } from 'node:buffer';

/** What the decoder makes of the bytes it is given. */
export type DraftEvent =
  | { readonly type: 'message'; readonly text: string }
  | { readonly type: 'close' }
  | { readonly type: 'error'; readonly error: GrapplerError };

/** A decoder for one connection. */
export interface DraftDecoder {
  push(chunk: Uint8Array): DraftEvent[];
}

/** Options of {@link createDraftDecoder}. */
export interface DraftDecoderOptions {
  readonly version: 'draft75' | 'draft76';
  /** Largest message (or skipped frame) in bytes; past it the decoder reports `ERR_MESSAGE_TOO_LARGE`. */
  readonly maxMessageBytes: number;
}

type State = 'type' | 'length' | 'skip' | 'text' | 'done';

/** Creates a decoder; feed it every chunk the socket reads, in order. */
export function createDraftDecoder(options: DraftDecoderOptions): DraftDecoder {
  const max = options.maxMessageBytes;
  let state: State = 'type';
  let frameType = 0;
  let length = 0;
  let text: Uint8Array[] = [];
  let textBytes = 0;

  const fail = (error: GrapplerError): DraftEvent => {
    state = 'done';
    text = [];
    return { type: 'error', error };
  };

  return {
    push(chunk) {
      const events: DraftEvent[] = [];
      let i = 0;
      while (i < chunk.length && state !== 'done') {
        if (state === 'type') {
          frameType = chunk[i++]!;
          if (frameType & 0x80) {
            state = 'length';
            length = 0;
          } else if (frameType === 0x00) {
            state = 'text';
          } else {
            events.push(fail(new GrapplerError('ERR_PROTOCOL', `unknown frame type 0x${frameType.toString(16)}`)));
          }
        } else if (state === 'length') {
          const byte = chunk[i++]!;
          length = length * 128 + (byte & 0x7f);
          if (length > max) {
            events.push(fail(new LimitExceededError('maxMessageBytes', max, length)));
          } else if (!(byte & 0x80)) {
            if (length > 0) state = 'skip';
            else if (frameType === 0xff && options.version === 'draft76') {
              state = 'done';
              events.push({ type: 'close' });
            } else state = 'type';
          }
        } else if (state === 'skip') {
          const take = Math.min(length, chunk.length - i);
          i += take;
          length -= take;
          if (length === 0) state = 'type';
        } else {
          const end = chunk.indexOf(0xff, i);
          const piece = chunk.subarray(i, end === -1 ? chunk.length : end);
          textBytes += piece.length;
          if (textBytes > max) {
            events.push(fail(new LimitExceededError('maxMessageBytes', max, textBytes)));
            break;
          }
          text.push(piece);
          if (end === -1) break;
          i = end + 1;
          const bytes = Buffer.concat(text, textBytes);
          text = [];
          textBytes = 0;
          state = 'type';
          if (!isUtf8(bytes)) events.push(fail(new GrapplerError('ERR_PROTOCOL', 'a text frame is not valid UTF-8')));
          else events.push({ type: 'message', text: bytes.toString('utf8') });
        }
      }
      return events;
    },
  };
}
