import { type Client, type Hub, type HubOptions, type Transport, createHub } from '@grappler/core';
import type { HttpTransportOptions } from '@grappler/http-session';
import { listen, waitUntil } from '@grappler/testkit';
import { createServer } from 'node:http';
import { type LongpollBatch, longpollTransport } from '../src/index';

/** A hub serving long polling on 127.0.0.1, port 0, that counts the requests reaching the transport. */
export interface StartedHub {
  readonly hub: Hub;
  readonly port: number;
  /** `http://127.0.0.1:<port>/?transport=longpoll` (or the mounted path). */
  readonly url: string;
  /** Requests the transport has been handed so far. */
  requests(): number;
  /** Resolves once the transport has been handed `count` requests: a GET poll is then held. */
  waitForRequests(count: number): Promise<void>;
}

export async function startHub(options: HubOptions & { longpoll?: HttpTransportOptions } = {}): Promise<StartedHub> {
  const { longpoll, ...hubOptions } = options;
  const transport = longpollTransport(longpoll);
  let requests = 0;
  const counting: Transport = {
    name: transport.name,
    matches: (req) => transport.matches(req),
    handleRequest(req, res, port) {
      requests += 1;
      transport.handleRequest!(req, res, port);
    },
  };
  const hub = createHub({ transports: [counting], ...hubOptions });
  const server = createServer();
  hub.attach(server);
  const port = await listen(server);
  const url = longpoll?.path ? `http://127.0.0.1:${port}${longpoll.path}` : `http://127.0.0.1:${port}/?transport=longpoll`;
  return {
    hub,
    port,
    url,
    requests: () => requests,
    waitForRequests: (count) => waitUntil(() => requests >= count, `${count} requests`),
  };
}

/** A decoded message: text as a string, binary as `binary:<hex>`. */
export function decodeMessage(message: LongpollBatch['messages'][number]): string {
  return typeof message === 'string' ? message : `binary:${Buffer.from(message.base64, 'base64').toString('hex')}`;
}

/** One HTTP exchange: the status, headers and the body parsed as JSON (undefined when empty). */
export interface Answer<Body = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Body;
}

export async function request<Body = unknown>(url: string, init: RequestInit = {}): Promise<Answer<Body>> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text === '' ? undefined : JSON.parse(text)) as Body };
}

/** The URL of a poll (or POST) of session `id`, with `seq` when given. */
export function sessionUrl(url: string, id: string, seq?: number): string {
  const target = new URL(url);
  target.searchParams.set('session', id);
  if (seq !== undefined) target.searchParams.set('seq', String(seq));
  return target.href;
}

/** A long-poll client: starts a session, then polls acknowledging what it received. */
export class Poller {
  readonly received: string[] = [];
  seq = 0;
  readonly #url: string;
  readonly id: string;

  private constructor(url: string, id: string) {
    this.#url = url;
    this.id = id;
  }

  /** Starts a session; resolves with the poller and its hub-side Client. */
  static async start(started: StartedHub): Promise<{ poller: Poller; client: Client }> {
    const connected = new Promise<Client>((resolve) => started.hub.once('connection', resolve));
    const answer = await request<LongpollBatch>(started.url);
    if (answer.status !== 200) throw new Error(`session not created: ${answer.status}`);
    return { poller: new Poller(started.url, answer.body.session), client: await connected };
  }

  url(seq?: number): string {
    return sessionUrl(this.#url, this.id, seq);
  }

  /** One poll sending back `seq` (the last one received unless given); records the messages. */
  async poll(seq: number | undefined = this.seq, init: RequestInit = {}): Promise<Answer<LongpollBatch>> {
    const answer = await request<LongpollBatch>(this.url(seq), init);
    if (answer.status === 200) {
      this.received.push(...answer.body.messages.map(decodeMessage));
      this.seq = answer.body.seq;
    }
    return answer;
  }

  /** Polls until `count` messages have arrived in all. */
  async pollUntil(count: number): Promise<string[]> {
    while (this.received.length < count) {
      const answer = await this.poll();
      if (answer.status !== 200) throw new Error(`poll answered ${answer.status}`);
    }
    return this.received;
  }

  /** POSTs a body to the session. */
  post(body: string, contentType = 'text/plain'): Promise<Answer> {
    return request(this.url(), { method: 'POST', body, headers: { 'Content-Type': contentType } });
  }
}
