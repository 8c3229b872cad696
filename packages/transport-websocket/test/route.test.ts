import type { Client, Hub } from '@grappler/core';
import { openSocket, refusedStatus } from '@grappler/testkit';
import express from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type PendingWebSocket, pendingWebSocket } from '../src/index';
import { openDraftClient } from './draft-client';
import { startHub } from './start-hub';

const VERSIONS = ['rfc6455', 'draft76', 'draft75'] as const;

/** Opens a client of any version; resolves with the HTTP status line the server answered. */
async function statusOf(port: number, version: (typeof VERSIONS)[number], path: string): Promise<number> {
  if (version === 'rfc6455') {
    return refusedStatus(`ws://127.0.0.1:${port}${path}`).catch((error: Error) => {
      if (error.message === 'the handshake was accepted') return 101;
      throw error;
    });
  }
  const client = await openDraftClient(port, { version, path });
  client.socket.destroy();
  return Number(client.status.split(' ')[1]);
}

describe("upgrades routed through the application's own request handling", () => {
  let hub: Hub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('a plain request handler accepts with connect() or refuses with a response, for every version', async () => {
    const seen: string[] = [];
    const route = (req: IncomingMessage, res: ServerResponse): void => {
      const pending = pendingWebSocket(res);
      seen.push(`${req.url} ${pending?.version}`);
      if (pending && req.url === '/chat') void pending.connect();
      else res.writeHead(403, { 'content-type': 'text/plain' }).end('not here');
    };
    const started = await startHub({ websocket: { route } });
    hub = started.hub;
    for (const version of VERSIONS) {
      expect(await statusOf(started.port, version, '/chat')).toBe(101);
      expect(await statusOf(started.port, version, '/private')).toBe(403);
    }
    expect(seen).toEqual(VERSIONS.flatMap((version) => [`/chat ${version}`, `/private ${version}`]));
  });

  it('works inside an Express app: routes, 404s and the seed name res.webSocket', async () => {
    const app = express();
    app.get('/live', (_req, res) => {
      const pending = (res as unknown as { webSocket?: PendingWebSocket }).webSocket;
      if (!pending) {
        res.status(426).send('WebSocket only');
        return;
      }
      pending.on('message', (data) => pending.write(`echo:${String(data)}`));
      void pending.connect();
    });
    app.get('/private', (_req, res) => {
      res.status(401).send('log in first');
    });
    const started = await startHub({ websocket: { route: app } });
    hub = started.hub;
    for (const version of VERSIONS) {
      expect(await statusOf(started.port, version, '/private')).toBe(401);
      expect(await statusOf(started.port, version, '/nowhere')).toBe(404);
    }
    const socket = await openSocket(`${started.url}live`);
    socket.ws.send('hi');
    expect(await socket.waitForMessages(1)).toEqual(['echo:hi']);
    socket.ws.terminate();
    const draft = await openDraftClient(started.port, { version: 'draft76', path: '/live' });
    draft.send('old');
    await draft.waitFor(() => draft.messages.length === 1);
    expect(draft.messages).toEqual(['echo:old']);
    draft.socket.destroy();
  });

  it('listeners attached before connect() see data that was already pending', async () => {
    const received: unknown[] = [];
    let connections = 0;
    const route = (_req: IncomingMessage, res: ServerResponse): void => {
      const pending = pendingWebSocket(res)!;
      pending.on('message', (data) => received.push(data));
      // Connect late: the client's frames are already waiting on the socket.
      setTimeout(() => void pending.connect(), 50);
    };
    const started = await startHub({ websocket: { route } });
    hub = started.hub;
    hub.on('connection', () => connections++);
    const pipelined = Buffer.from('\u0000first\u00ff\u0000second\u00ff', 'latin1');
    for (const version of ['draft76', 'draft75'] as const) {
      const client = await openDraftClient(started.port, { version, pipelined });
      while (received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(received.splice(0)).toEqual(['first', 'second']);
      client.socket.destroy();
    }
    expect(connections).toBe(2);
  });

  it('resolves connect() with the hub client, and rejects it after a response was sent', async () => {
    const outcomes: unknown[] = [];
    const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const pending = pendingWebSocket(res)!;
      if (req.url === '/late') {
        res.writeHead(409).end();
        outcomes.push(await pending.connect().catch((error: { code: string }) => error.code));
        return;
      }
      const client: Client = await pending.connect();
      outcomes.push(client === pending.client && hub?.get(client.id) === client);
    };
    const started = await startHub({ websocket: { route } });
    hub = started.hub;
    const socket = await openSocket(started.url);
    expect(await refusedStatus(`${started.url}late`)).toBe(409);
    while (outcomes.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(outcomes.sort()).toEqual(['ERR_HANDSHAKE', true]);
    socket.ws.terminate();
  });

  it('closes an upgrade the route neither accepts nor answers, after handshakeTimeoutMs', async () => {
    const started = await startHub({ websocket: { route: () => {}, handshakeTimeoutMs: 100 } });
    hub = started.hub;
    const client = await openDraftClient(started.port, { version: 'draft75' });
    await client.closed;
    expect(client.status).toBe('');
    expect(hub.size).toBe(0);
  });
});
