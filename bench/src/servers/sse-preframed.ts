/**
 * The practical Node limit for an HTTP stream, as `ws-preframed` is for WebSocket: a plain
 * `node:http` server that answers a GET with an open `text/event-stream` response, and a
 * broadcast that encodes the SSE event once and writes the same bytes to every stream's TCP
 * socket. No session, no resume, no id, no heartbeat: nothing a push server needs, only the
 * system call each delivery costs. What SSE, XHR multipart and SockJS's xhr-streaming can reach
 * on this machine at one write per delivery is this row's figure.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { BenchServer } from './types.js';

export function ssePreframedServer(): BenchServer {
  const streams = new Set<Socket>();
  let closed = 0;
  const httpServer = createServer((req, res) => {
    if (req.method !== 'GET' || !req.headers.accept?.includes('text/event-stream')) {
      res.writeHead(404);
      res.end();
      return;
    }
    // The stream ends with its connection: no chunked encoding, so each event is written as it is.
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const socket = res.socket as Socket;
    streams.add(socket);
    socket.once('close', () => {
      streams.delete(socket);
      closed++;
    });
  });
  return {
    httpServer,
    clients: () => streams.size,
    closedClients: () => closed,
    broadcast(text) {
      const event = Buffer.from(`data: ${text}\n\n`);
      for (const socket of streams) socket.write(event);
    },
  };
}
