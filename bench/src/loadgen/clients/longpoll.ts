/**
 * grappler's long polling: `GET /?transport=longpoll` opens a session, then each poll
 * (`&session=<id>&seq=<last seq>`) is held until there are messages and answered with all of them
 * as `{"session":…,"seq":n,"messages":[…]}`; the next poll goes out as soon as an answer is in.
 */
import { scanPayloads } from '../../payload.js';
import { HttpConnection } from '../lean-http.js';
import { getRequest } from './http-requests.js';
import type { BenchClient, ClientSpec } from './types.js';

const SEQ_FIELD = Buffer.from('"seq":');

export function longpollClient({ index, host, port, sink, life }: ClientSpec): BenchClient {
  const found = (seq: number): void => sink.payload(index, seq);
  const connection = new HttpConnection(host, port);
  let session = '';
  let seq = 0;
  let stopped = false;
  connection.onClose = (error) => {
    stopped = true;
    life.closed(error);
  };

  const poll = (): void => {
    if (stopped) return;
    const pieces: Buffer[] = [];
    let status = 0;
    const path = session === '' ? '/?transport=longpoll' : `/?transport=longpoll&session=${session}&seq=${seq}`;
    connection.request(getRequest(host, port, path), {
      head: (code) => {
        status = code;
      },
      body: (piece) => pieces.push(Buffer.from(piece)),
      end: () => {
        if (status !== 200) {
          stopped = true;
          connection.destroy();
          return;
        }
        const body = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
        if (session === '') {
          session = (JSON.parse(body.toString()) as { session: string }).session;
          life.ready();
        } else {
          if (scanPayloads(body, 0, body.length, found) > 0) sink.endOfRead();
          seq = readSeqField(body, seq);
        }
        poll();
      },
    });
  };
  poll();
  return {
    kind: 'longpoll',
    send: () => {
      throw new Error('long-poll clients do not send in this benchmark');
    },
    pause: () => connection.socket.pause(),
    resume: () => connection.socket.resume(),
    destroy: () => {
      stopped = true;
      connection.destroy();
    },
  };
}

/** The answer's `"seq":<n>` (it comes before the messages), or `fallback` when absent. */
function readSeqField(body: Buffer, fallback: number): number {
  const at = body.indexOf(SEQ_FIELD);
  if (at === -1) return fallback;
  let value = 0;
  let digits = 0;
  for (let i = at + SEQ_FIELD.length; i < body.length; i++) {
    const digit = body[i]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    digits++;
  }
  return digits > 0 ? value : fallback;
}
