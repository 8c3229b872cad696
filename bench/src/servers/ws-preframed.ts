/**
 * The practical Node limit for a broadcast: `ws` frames the message once (`Sender.frame`, the
 * function `ws.send` uses) and the same bytes are written to every client's TCP socket, skipping
 * ws's per-socket sender. Connections, echo and memory are `ws-loop`'s.
 */
import type { Socket } from 'node:net';
import * as wsModule from 'ws';
import { WebSocket } from 'ws';
import type { BenchServer } from './types.js';
import { wsLoopServer } from './ws-loop.js';

interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}

/** `ws`'s Sender (exported by its ESM wrapper, not declared by @types/ws); `Sender.frame` returns [header, data]. */
const Sender = (wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } }).Sender;
const TEXT_FRAME: FrameOptions = { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false };

/** The TCP socket under a ws connection (a private field in ws 8). */
function tcpSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

/** `text` as one unmasked WebSocket text frame, as `ws.send(text)` would write it. */
export function preframe(text: string): Buffer {
  return Buffer.concat(Sender.frame(Buffer.from(text), TEXT_FRAME));
}

export function wsPreframedServer(): BenchServer {
  const base = wsLoopServer();
  return {
    ...base,
    broadcast(text) {
      const frame = preframe(text);
      for (const ws of base.wss.clients) {
        if (ws.readyState === WebSocket.OPEN) tcpSocket(ws).write(frame);
      }
    },
  };
}
