import { type Client, type Hub, type HubOptions, createHub } from '@grappler/core';
import type { HttpTransportOptions } from '@grappler/http-session';
import { listen, waitUntil } from '@grappler/testkit';
import { type IncomingHttpHeaders, type IncomingMessage, type Server, createServer, get, request } from 'node:http';
import type { Socket } from 'node:net';
import { type MultipartParser, type MultipartPart, parseMultipartBoundary, parseMultipartStream, xhrMultipartTransport } from '../src/index';

/** A hub serving only this transport, attached to an http.Server on 127.0.0.1, port 0. */
export interface TestHub {
  readonly hub: Hub;
  readonly server: Server;
  readonly port: number;
  /** Every connection the server accepted (to see when the server side of a response closed). */
  readonly sockets: Socket[];
}

export async function startHub(options: HubOptions & { multipart?: HttpTransportOptions } = {}): Promise<TestHub> {
  const { multipart, ...hubOptions } = options;
  const hub = createHub({ transports: [xhrMultipartTransport(multipart)], ...hubOptions });
  const server = createServer();
  const sockets: Socket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  hub.attach(server);
  const port = await listen(server);
  return { hub, server, port, sockets };
}

/** Resolves with the next `connection` of the hub. */
export function nextConnection(hub: Hub): Promise<Client> {
  return new Promise((resolve) => hub.once('connection', resolve));
}

/** A raw `http.get` reading a multipart response as it arrives. */
export interface MultipartStream {
  readonly res: IncomingMessage;
  /** The client's port, the server socket's remotePort. */
  readonly localPort: number;
  readonly boundary: string;
  readonly sessionId: string;
  readonly parser: MultipartParser;
  /** Every part so far, pings included. */
  readonly parts: MultipartPart[];
  /** The parts that carry a message. */
  readonly messages: () => MultipartPart[];
  /** Resolves once `count` messages have arrived; the first `count`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<MultipartPart[]>;
  /** Resolves when the response has ended (the closing delimiter and the end of the body). */
  waitForEnd(): Promise<void>;
  destroy(): void;
}

const opened: MultipartStream[] = [];

/** Destroys every stream opened since the last call. */
export function destroyStreams(): void {
  for (const stream of opened.splice(0)) stream.destroy();
}

/** Opens a stream (`?transport=xhr-multipart` unless given a path); rejects unless the answer is a 200 multipart response. */
export async function openStream(port: number, path = '/?transport=xhr-multipart', headers: Record<string, string> = {}): Promise<MultipartStream> {
  const req = get({ host: '127.0.0.1', port, path, headers, agent: false });
  req.on('error', () => {}); // a destroyed stream is not a failure
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  const boundary = parseMultipartBoundary(res.headers['content-type']);
  if (res.statusCode !== 200 || !boundary) {
    res.destroy();
    throw new Error(`expected a multipart stream, got ${res.statusCode} ${res.headers['content-type']}`);
  }
  const parser = parseMultipartStream(boundary);
  const parts: MultipartPart[] = [];
  let ended = false;
  res.on('data', (chunk: Buffer) => parts.push(...parser.push(chunk)));
  res.on('end', () => {
    ended = true;
  });
  res.on('error', () => {});
  const messages = () => parts.filter((part) => !part.ping);
  const stream: MultipartStream = {
    res,
    localPort: res.socket.localPort ?? 0,
    boundary,
    sessionId: String(res.headers['x-grappler-session']),
    parser,
    parts,
    messages,
    async waitForMessages(count, timeoutMs = 5000) {
      await waitUntil(() => messages().length >= count || parser.error !== undefined, `${count} messages`, timeoutMs);
      if (parser.error) throw parser.error;
      return messages().slice(0, count);
    },
    async waitForEnd() {
      await waitUntil(() => ended, 'the end of the response');
    },
    destroy: () => req.destroy(),
  };
  opened.push(stream);
  return stream;
}

/** Opens a stream and resolves with it and the Client the hub made for it. */
export async function connect(t: TestHub, path?: string, headers?: Record<string, string>): Promise<{ stream: MultipartStream; client: Client }> {
  const connection = nextConnection(t.hub);
  const stream = await openStream(t.port, path, headers);
  return { stream, client: await connection };
}

/** The server's side of a client's connection, found by the client's local port. */
export function serverSocketOf(t: TestHub, stream: MultipartStream): Socket {
  const port = stream.localPort;
  const socket = t.sockets.find((candidate) => candidate.remotePort === port);
  if (!socket) throw new Error(`no server socket for client port ${port}`);
  return socket;
}

/** Resolves once the server has seen a client's connection close. */
export async function serverSideClosed(t: TestHub, stream: MultipartStream): Promise<void> {
  const socket = serverSocketOf(t, stream);
  await waitUntil(() => socket.destroyed, 'the server to see the connection close');
  await new Promise((resolve) => setImmediate(resolve)); // let 'close' listeners run
}

/** A whole HTTP exchange: status, headers and body as text. */
export async function exchange(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const req = request({ host: '127.0.0.1', port, agent: false, method: options.method ?? 'GET', path: options.path, headers: options.headers });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  req.end(options.body);
  const res = await response;
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
}

/** POSTs a body to a session. */
export function post(port: number, sessionId: string, body: string, contentType = 'text/plain'): ReturnType<typeof exchange> {
  return exchange(port, {
    method: 'POST',
    path: `/?transport=xhr-multipart&session=${sessionId}`,
    headers: { 'Content-Type': contentType },
    body,
  });
}

export const text = (part: MultipartPart): string => part.body.toString('utf8');
