/**
 * Socket.IO 4 over WebSocket, spoken directly (Engine.IO v4): the server opens with `0{…}`, the
 * client connects to the default namespace with `40` and is in once `40{…}` comes back; events are
 * `42["m",…]` frames; a ping `2` is answered `3`.
 */
import { scanPayloads } from '../../payload.js';
import { LeanWebSocket } from '../lean-websocket.js';
import type { BenchClient, ClientSpec } from './types.js';

const ZERO = 0x30;
const TWO = 0x32;
const FOUR = 0x34;

export const ENGINE_IO_PATH = '/socket.io/?EIO=4';

export function engineIoWebSocketClient({ index, host, port, sink, life }: ClientSpec): BenchClient {
  const found = (seq: number): void => sink.payload(index, seq);
  const ws: LeanWebSocket = new LeanWebSocket(host, port, `${ENGINE_IO_PATH}&transport=websocket`, {
    open: () => {},
    message: (buf, start, end) => {
      const type = buf[start];
      if (type === FOUR) {
        const packet = buf[start + 1];
        if (packet === TWO) scanPayloads(buf, start, end, found);
        else if (packet === ZERO) life.ready();
      } else if (type === TWO && end - start === 1) ws.send('3');
      else if (type === ZERO) ws.send('40');
    },
    afterRead: () => sink.endOfRead(),
    close: (error) => life.closed(error),
  });
  return {
    kind: 'eio-ws',
    send: (text) => ws.send(`42["m","${text}"]`),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    destroy: () => ws.destroy(),
  };
}
