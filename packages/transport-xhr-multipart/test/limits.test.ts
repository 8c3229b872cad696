import type { CloseReason, GrapplerError, LimitExceededError } from '@grappler/core';
import { waitUntil } from '@grappler/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type MultipartStream, type TestHub, connect, destroyStreams, serverSocketOf, startHub, text } from './helpers';

const CHUNK = 'x'.repeat(256 << 10);
const MAX_BUFFERED = 1 << 20;

/**
 * Broadcasts 256 KiB messages, each once `reader` has the one before, until `stalled` is cut
 * off: the kernel buffers of the paused connection fill first, then the server's own.
 */
async function broadcastUntilClosed(t: TestHub, reader: MultipartStream, stalled: { closed: boolean }): Promise<number> {
  for (let sent = 1; sent <= 400; sent++) {
    t.hub.broadcast(CHUNK);
    await reader.waitForMessages(sent, 10_000);
    if (stalled.closed) return sent;
  }
  throw new Error('the stalled client was never cut off');
}

describe('limits', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    destroyStreams();
    await t?.hub.close();
    t = undefined;
  });

  async function stalledAndReader() {
    t = await startHub({ limits: { maxBufferedBytes: MAX_BUFFERED } });
    const stalled = await connect(t);
    const reader = await connect(t);
    stalled.stream.res.pause();
    stalled.stream.res.socket.pause();
    const errors: GrapplerError[] = [];
    stalled.client.on('error', (error) => errors.push(error));
    const closed = new Promise<CloseReason>((resolve) => stalled.client.once('close', resolve));
    const sent = await broadcastUntilClosed(t, reader.stream, stalled.client);
    return { t, stalled, reader, errors, closed, sent };
  }

  it('cuts off a client that does not read past maxBufferedBytes, and keeps serving the others', async () => {
    const { t, stalled, reader, errors, closed, sent } = await stalledAndReader();
    expect(errors.map((error) => error.code)).toEqual(['ERR_BUFFER_FULL']);
    expect(errors[0]).toMatchObject({ limit: 'maxBufferedBytes', max: MAX_BUFFERED } satisfies Partial<LimitExceededError>);
    expect((await closed).code).toBe(1008);
    expect(stalled.client.closed).toBe(true);
    expect(t.hub.size).toBe(1);
    t.hub.broadcast('still here');
    const received = await reader.stream.waitForMessages(sent + 1);
    expect(text(received.at(-1)!)).toBe('still here');
    expect(received.slice(0, sent).every((part) => part.body.length === CHUNK.length)).toBe(true);
    expect(reader.client.closed).toBe(false);
  });

  // Fails because of @grappler/http-session: Session.terminate() ends the downstream politely
  // (Downstream.end('closed')), so the response cannot tell a cut-off from a close and waits
  // for a peer that does not read. See the report / README "Known issues".
  it('drops the connection of a client it cut off, with the backlog the client never read', async () => {
    const { t, stalled } = await stalledAndReader();
    const server = serverSocketOf(t, stalled.stream);
    await waitUntil(() => server.destroyed, 'the server to drop the cut-off client', 2000);
  });
});
