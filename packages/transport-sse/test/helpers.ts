import { type Client, type Hub, type HubOptions, createHub } from '@grappler/core';
import { listen, waitUntil } from '@grappler/testkit';
import { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server, createServer, request } from 'node:http';
import { type SseOptions, sseTransport } from '../src/index';
import { SseParser } from './sse-parser';

/** A hub serving SSE on an http.Server on 127.0.0.1, port 0; `app` gets what the hub does not claim. */
export async function startHub(
  options: HubOptions & { sse?: SseOptions; app?: RequestListener } = {},
): Promise<{ hub: Hub; server: Server; port: number; base: string }> {
  const { sse, app, ...hubOptions } = options;
  const hub = createHub({ transports: [sseTransport(sse)], ...hubOptions });
  const server = app ? createServer(app) : createServer();
  hub.attach(server);
  const port = await listen(server);
  return { hub, server, port, base: `http://127.0.0.1:${port}` };
}

/** Resolves with the hub's next `connection`. */
export function nextConnection(hub: Hub): Promise<Client> {
  return new Promise((resolve) => hub.once('connection', resolve));
}

/** An event stream read with plain `http`: the bytes on the wire, parsed as a browser would. */
export interface RawStream {
  readonly req: ClientRequest;
  readonly res: IncomingMessage;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly parser: SseParser;
  /** Every character received so far (unless opened with `record: false`). */
  text: string;
  /** True once the server ended or dropped the response. */
  ended: boolean;
  waitForEvents(count: number): Promise<SseParser['events']>;
  close(): void;
}

/** Opens a GET like a native EventSource's (Accept: text/event-stream) and reads it as it comes. */
export function openStream(port: number, path = '/', headers: Record<string, string> = {}, record = true): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { Accept: 'text/event-stream', ...headers } });
    req.on('error', reject);
    req.on('response', (res) => {
      const stream: RawStream = {
        req,
        res,
        status: res.statusCode ?? 0,
        headers: res.headers,
        parser: new SseParser(),
        text: '',
        ended: false,
        waitForEvents: async (count) => {
          await waitUntil(() => stream.parser.events.length >= count, `${count} events (have ${stream.parser.events.length})`);
          return stream.parser.events;
        },
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (record) stream.text += chunk;
        stream.parser.push(chunk);
      });
      const end = () => {
        stream.ended = true;
      };
      res.on('end', end);
      res.on('close', end);
      res.on('error', end);
      req.removeListener('error', reject);
      req.on('error', end);
      resolve(stream);
    });
    req.end();
  });
}

/** One plain HTTP exchange: the status, headers and body (UTF-8). */
export function exchange(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string | number>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent: false, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers ?? {} });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.end(options.body);
  });
}

/** The messages (data of `message` events) a stream has received. */
export function messagesOf(stream: RawStream): string[] {
  return stream.parser.events.filter((event) => event.type === 'message').map((event) => event.data);
}
