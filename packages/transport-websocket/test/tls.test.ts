import type { Hub } from '@grappler/core';
import { openSocket, selfSignedCertificate } from '@grappler/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDraftClient } from './draft-client';
import { startHub } from './start-hub';

describe('wss:// for every version', () => {
  let certificate: { key: Buffer; cert: Buffer };
  let hub: Hub | undefined;
  beforeAll(async () => {
    certificate = await selfSignedCertificate();
  });
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('serves RFC 6455, draft-76 and draft-75 over TLS, with wss:// locations, and broadcasts to all', async () => {
    const started = await startHub({ tls: certificate });
    hub = started.hub;
    const modern = await openSocket(started.url, { rejectUnauthorized: false });
    const d76 = await openDraftClient(started.port, { version: 'draft76', tls: true, path: '/secure', key3: 'byte-by-byte' });
    const d75 = await openDraftClient(started.port, { version: 'draft75', tls: true });
    expect(d76.headers['sec-websocket-location']).toBe(`wss://127.0.0.1:${started.port}/secure`);
    expect(d76.answer).toEqual(d76.expectedAnswer);
    expect(d75.headers['websocket-location']).toBe(`wss://127.0.0.1:${started.port}/`);
    while (hub.size < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    hub.broadcast('secret');
    expect(await modern.waitForMessages(1)).toEqual(['secret']);
    for (const draft of [d76, d75]) {
      await draft.waitFor(() => draft.messages.length === 1);
      expect(draft.messages).toEqual(['secret']);
      draft.socket.destroy();
    }
    modern.ws.terminate();
  });
});
