/**
 * A plain WebSocket client (grappler's raw clients, ws): every text frame is one message, whose
 * payload head is read in place.
 */
import { scanPayloads } from '../../payload.js';
import { LeanWebSocket } from '../lean-websocket.js';
import type { BenchClient, ClientSpec } from './types.js';

export function rawWebSocketClient({ index, host, port, sink, life }: ClientSpec): BenchClient {
  const found = (seq: number): void => sink.payload(index, seq);
  const ws = new LeanWebSocket(host, port, '/', {
    open: () => life.ready(),
    message: (buf, start, end) => {
      scanPayloads(buf, start, end, found);
    },
    afterRead: () => sink.endOfRead(),
    close: (error) => life.closed(error),
  });
  return {
    kind: 'ws',
    send: (text) => ws.send(text),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    destroy: () => ws.destroy(),
  };
}
