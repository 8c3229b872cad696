/**
 * A reference, not a peer: the least a Node server can do per delivery on each transport the
 * hold mixes, as `ws-preframed` is for WebSocket alone. One `node:http` server with
 *
 * - WebSocket: `ws` for the handshake, and a broadcast framed once and written to every TCP socket;
 * - SSE: a GET with `Accept: text/event-stream` gets an open, unchunked `text/event-stream`
 *   response, and a broadcast writes one shared `data:` event to every stream's socket;
 * - long polling: `GET /?transport=longpoll` answers `{"session":"<n>"}`; each later poll is held
 *   until a message is queued for its session and answered with all of them (Content-Length,
 *   keep-alive), what arrives while no poll is held is queued. The body is grappler's shape
 *   (`{"session":…,"seq":n,"messages":[…]}`), so the same load generator reads it.
 *
 * No resume, ids, heartbeats, limits, origins, CORS or expiry: nothing a push server needs, only
 * the system calls and the `node:http` request cycle every delivery costs. Its rows show what
 * one core of the machine of the run allows, so a target beyond them is beyond any Node server.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { BenchServer } from './types.js';
import { preframe } from './ws-preframed.js';

/** One long-poll client: its held poll, or the messages (JSON strings) queued while it had none. */
interface PollSession {
  readonly id: string;
  held: ServerResponse | undefined;
  queued: string[];
  seq: number;
}

export function bareServer(): BenchServer {
  const streams = new Set<Socket>();
  const sessions = new Map<string, PollSession>();
  let nextSession = 1;
  let closed = 0;

  const answer = (session: PollSession, res: ServerResponse): void => {
    const body = `{"session":"${session.id}","seq":${session.seq},"messages":[${session.queued.join(',')}]}`;
    session.queued = [];
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  const httpServer = createServer((req, res) => {
    if (req.method === 'GET' && req.headers.accept?.includes('text/event-stream')) {
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
      return;
    }
    const url = new URL(req.url ?? '/', 'http://bench');
    if (req.method === 'GET' && url.searchParams.get('transport') === 'longpoll') {
      const id = url.searchParams.get('session');
      if (id === null) {
        const session: PollSession = { id: String(nextSession++), held: undefined, queued: [], seq: 0 };
        sessions.set(session.id, session);
        const body = `{"session":"${session.id}"}`;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        req.socket.once('close', () => {
          sessions.delete(session.id);
          closed++;
        });
        return;
      }
      const session = sessions.get(id);
      if (session !== undefined) {
        if (session.queued.length > 0) answer(session, res);
        else session.held = res;
        return;
      }
    }
    res.writeHead(404);
    res.end();
  });

  const wss = new WebSocketServer({ server: httpServer });
  wss.on('connection', (ws) => ws.on('close', () => closed++));

  return {
    httpServer,
    clients: () => wss.clients.size + streams.size + sessions.size,
    closedClients: () => closed,
    broadcast(text) {
      const frame = preframe(text);
      for (const ws of wss.clients) {
        if (ws.readyState === WebSocket.OPEN) (ws as unknown as { _socket: Socket })._socket.write(frame);
      }
      const event = Buffer.from(`data: ${text}\n\n`);
      for (const socket of streams) socket.write(event);
      const message = JSON.stringify(text);
      for (const session of sessions.values()) {
        session.seq++;
        session.queued.push(message);
        const held = session.held;
        if (held === undefined) continue;
        session.held = undefined;
        answer(session, held);
      }
    },
  };
}
