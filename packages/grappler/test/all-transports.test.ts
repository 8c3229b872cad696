import { openSocket, waitUntil } from '@grappler/testkit';
import { parseMultipartStream } from '@grappler/transport-xhr-multipart';
import { EventSource } from 'eventsource';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from '../src/index';

describe('one Server, every transport', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('one broadcast reaches WebSocket, SSE, XHR multipart and long-poll clients together', async () => {
    server = new Server({ pingInterval: 1000 });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const transports: string[] = [];
    server.on('connection', (client) => transports.push(client.transport));

    const ws = await openSocket(base.replace('http', 'ws'));
    const sseMessages: string[] = [];
    const source = new EventSource(`${base}/`);
    source.onmessage = (event) => sseMessages.push(event.data);

    const multipartMessages: string[] = [];
    const multipart = get(`${base}/?transport=xhr-multipart`, (res) => {
      const boundary = /boundary="?([^";]+)"?/.exec(res.headers['content-type'] ?? '')?.[1] ?? '';
      const parser = parseMultipartStream(boundary);
      res.on('data', (chunk: Buffer) => {
        for (const part of parser.push(chunk)) {
          if (!String(part.headers['content-type']).includes('ping')) multipartMessages.push(Buffer.from(part.body).toString('utf8'));
        }
      });
    });

    const created = (await (await fetch(`${base}/?transport=longpoll`)).json()) as { session: string; seq: number };
    await waitUntil(() => server!.hub.size === 4);
    expect(transports.sort()).toEqual(['longpoll', 'sse', 'websocket', 'xhr-multipart']);
    const poll = fetch(`${base}/?transport=longpoll&session=${created.session}&seq=${created.seq}`).then((res) => res.json());

    server.broadcast('to every transport');
    expect(await ws.waitForMessages(1)).toEqual(['to every transport']);
    expect(((await poll) as { messages: string[] }).messages).toEqual(['to every transport']);
    await waitUntil(() => sseMessages.length === 1 && multipartMessages.length === 1);
    expect(sseMessages).toEqual(['to every transport']);
    expect(multipartMessages).toEqual(['to every transport']);

    source.close();
    multipart.destroy();
    ws.ws.terminate();
  });
});
