/**
 * Socket.IO 4 over Engine.IO v4 polling, spoken directly: `GET …&transport=polling` answers the
 * open packet `0{"sid":…}`; `40` is POSTed to join the default namespace; then GETs are repeated,
 * each answered with packets separated by 0x1E (`40{…}` once, events `42["m",…]`, pings `2`,
 * answered by POSTing `3`). GETs and POSTs go over two keep-alive connections, as a browser does.
 */
import { scanPayloads } from '../../payload.js';
import { HttpConnection } from '../lean-http.js';
import { ENGINE_IO_PATH } from './engineio-websocket.js';
import { getRequest, postRequest } from './http-requests.js';
import type { BenchClient, ClientSpec } from './types.js';

const SEPARATOR = 0x1e;
const PING = 0x32; // '2'

export function engineIoPollingClient({ index, host, port, sink, life }: ClientSpec): BenchClient {
  const found = (seq: number): void => sink.payload(index, seq);
  const polls = new HttpConnection(host, port);
  let posts: HttpConnection | null = null;
  const postQueue: string[] = [];
  let sid = '';
  let joined = false;
  let stopped = false;
  const stop = (error?: Error): void => {
    if (stopped) return;
    stopped = true;
    polls.destroy();
    posts?.destroy();
    life.closed(error);
  };
  polls.onClose = stop;

  const post = (body: string): void => {
    postQueue.push(body);
    sendNextPost();
  };
  /** The body of the POST in flight, to send again if its connection closes under it. */
  let posting: string | null = null;
  const sendNextPost = (): void => {
    if (stopped || postQueue.length === 0 || posting !== null) return;
    if (posts === null) {
      const connection = new HttpConnection(host, port);
      posts = connection;
      // The server closes a keep-alive connection left idle (5 s in Node): that is no reason to
      // stop; the next POST opens another.
      connection.onClose = () => {
        if (posts === connection) posts = null;
        if (posting !== null) postQueue.unshift(posting);
        posting = null;
        sendNextPost();
      };
    }
    const body = postQueue.shift()!;
    posting = body;
    const path = `${ENGINE_IO_PATH}&transport=polling&sid=${sid}`;
    posts.request(postRequest(host, port, path, 'text/plain;charset=UTF-8', body), {
      head: (status) => {
        if (status !== 200) stop(new Error(`engine.io POST: status ${status}`));
      },
      body: () => {},
      end: () => {
        posting = null;
        sendNextPost();
      },
    });
  };

  const poll = (): void => {
    if (stopped) return;
    const pieces: Buffer[] = [];
    let status = 0;
    const path = sid === '' ? `${ENGINE_IO_PATH}&transport=polling` : `${ENGINE_IO_PATH}&transport=polling&sid=${sid}`;
    polls.request(getRequest(host, port, path), {
      head: (code) => {
        status = code;
      },
      body: (piece) => pieces.push(Buffer.from(piece)),
      end: () => {
        if (status !== 200) {
          stop(new Error(`engine.io GET: status ${status}`));
          return;
        }
        const body = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
        if (sid === '') {
          sid = (JSON.parse(body.toString('utf8', 1)) as { sid: string }).sid;
          post('40');
        } else {
          if (scanPayloads(body, 0, body.length, found) > 0) sink.endOfRead();
          handleControlPackets(body);
        }
        poll();
      },
    });
  };

  /** Pings (a packet that is just `2`) get a `3`; the namespace's `40{…}` makes the client ready. */
  const handleControlPackets = (body: Buffer): void => {
    let start = 0;
    while (start <= body.length) {
      let end = body.indexOf(SEPARATOR, start);
      if (end === -1) end = body.length;
      if (end - start === 1 && body[start] === PING) post('3');
      else if (!joined && body[start] === 0x34 && body[start + 1] === 0x30) {
        joined = true;
        life.ready();
      }
      start = end + 1;
    }
  };

  poll();
  return {
    kind: 'eio-polling',
    send: (text) => post(`42["m","${text}"]`),
    pause: () => polls.socket.pause(),
    resume: () => polls.socket.resume(),
    destroy: () => stop(),
  };
}
