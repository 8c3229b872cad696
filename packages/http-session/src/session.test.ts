import type { Client, CloseReason, ConnectionEvents, GrapplerError, OutboundMessage, WireFormat } from '@grappler/core';
import { describe, expect, it } from 'vitest';
import { type Downstream, KEPT_FRAME_OVERHEAD_BYTES, type QueuedFrame, Session } from './session';

const FORMAT: WireFormat<string> = { name: 'test', encode: (message: OutboundMessage) => message.text ?? '' };

/** A response that records what the session sends it; `completeAfterSend` acts like a long poll. */
class RecordingDownstream implements Downstream<string> {
  readonly received: number[] = [];
  ended: string | undefined;
  bufferedBytes = 0;
  constructor(private readonly completeAfterSend = false) {}
  send(entries: readonly QueuedFrame<string>[]): boolean {
    this.received.push(...entries.map((entry) => entry.seq));
    return !this.completeAfterSend;
  }
  ping(): boolean {
    return true;
  }
  end(why: 'replaced' | 'closed'): void {
    this.ended = why;
  }
}

function createSession(settings: Partial<{ resumeWindowBytes: number; sessionIdleMs: number; highWaterMarkBytes: number }> = {}) {
  const log: string[] = [];
  const gone: string[] = [];
  // The hub's side, reduced to what a session uses: upstream numbering as the hub's Client does it.
  const client = { upstream: 0 };
  const events: ConnectionEvents = {
    numbered(_connection, first, messages) {
      if (first > client.upstream + 1) return false;
      for (let index = client.upstream + 1 - first; index < messages.length; index++) {
        client.upstream = first + index;
        log.push(`message:${messages[index]}`);
      }
      return true;
    },
    message: (_connection, data) => log.push(`message:${String(data)}`),
    drain: () => log.push('drain'),
    error: (_connection, error: GrapplerError) => log.push(`error:${error.code}`),
    closed: (_connection, reason: CloseReason) => log.push(`closed:${reason.code}`),
  };
  const session = new Session(
    'id',
    'test',
    FORMAT,
    { resumeWindowBytes: 1 << 20, sessionIdleMs: 60_000, highWaterMarkBytes: 1 << 20, frameBytes: (f) => (f as string).length, ...settings },
    (s) => gone.push(s.id),
  );
  session.bind(events, client as unknown as Client);
  return { session, log, gone };
}

/** Lets the tick end: frames written in it are flushed then. */
const tickEnd = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Session', () => {
  it('keeps what is written while no request is open, and delivers it in order on the next', async () => {
    const { session } = createSession();
    for (const text of ['a', 'b', 'c']) session.write(text);
    const downstream = new RecordingDownstream();
    session.open(downstream, undefined);
    expect(downstream.received).toEqual([1, 2, 3]);
    session.write('d');
    await tickEnd();
    expect(downstream.received).toEqual([1, 2, 3, 4]);
  });

  it('sends what is written in one tick as one batch: a long poll answers with all of it', async () => {
    const { session } = createSession();
    const poll = new RecordingDownstream(true);
    const batches: number[][] = [];
    const send = poll.send.bind(poll);
    poll.send = (entries) => {
      batches.push(entries.map((entry) => entry.seq));
      return send(entries);
    };
    session.open(poll, undefined);
    for (const text of ['a', 'b', 'c']) session.write(text);
    expect(batches).toEqual([]); // not yet: the tick goes on
    await tickEnd();
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('re-sends, once and first, what the client has not acknowledged when it resumes', async () => {
    const { session } = createSession();
    const first = new RecordingDownstream(true);
    session.open(first, undefined);
    session.write('a');
    await tickEnd();
    session.write('b');
    session.write('c');
    expect(first.received).toEqual([1]);
    session.detach(first);
    // The client saw nothing of the first response (seq 0): 1 comes again, then 2 and 3.
    const second = new RecordingDownstream();
    session.open(second, 0);
    expect(second.received).toEqual([1, 2, 3]);
    const third = new RecordingDownstream();
    session.open(third, 2);
    expect(third.received).toEqual([3]);
    expect(second.ended).toBe('replaced');
    const fourth = new RecordingDownstream();
    session.open(fourth, undefined);
    expect(fourth.received).toEqual([]);
  });

  it('keeps only resumeWindowBytes of sent frames for resuming', async () => {
    const { session } = createSession({ resumeWindowBytes: 2 * (1 + KEPT_FRAME_OVERHEAD_BYTES) });
    const first = new RecordingDownstream();
    session.open(first, undefined);
    for (const text of ['a', 'b', 'c', 'd']) {
      session.write(text);
      await tickEnd();
    }
    const again = new RecordingDownstream();
    session.open(again, 0);
    expect(again.received).toEqual([3, 4]);
  });

  it('counts each kept frame with its entry: small frames cannot make the window hold more than its bytes', async () => {
    const { session } = createSession({ resumeWindowBytes: 1000 });
    session.open(new RecordingDownstream(), undefined);
    for (let index = 0; index < 50; index++) {
      session.write('0123456789');
      await tickEnd();
    }
    const again = new RecordingDownstream();
    session.open(again, 0);
    const kept = Math.floor(1000 / (10 + KEPT_FRAME_OVERHEAD_BYTES)); // 13, where the bytes alone would fit 100
    expect(again.received).toEqual(Array.from({ length: kept }, (_, index) => 50 - kept + 1 + index));
  });

  it('returns false past the high-water mark and emits drain once the frames went out', () => {
    const { session, log } = createSession({ highWaterMarkBytes: 3 });
    expect(session.write('ab')).toBe(true);
    expect(session.write('cd')).toBe(false);
    expect(session.bufferedBytes).toBe(4);
    session.open(new RecordingDownstream(), undefined);
    expect(log).toEqual(['drain']);
    expect(session.bufferedBytes).toBe(0);
  });

  it('expires after sessionIdleMs without a request, reporting why', async () => {
    const { session, log, gone } = createSession({ sessionIdleMs: 30 });
    const downstream = new RecordingDownstream();
    session.open(downstream, undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.heartbeat();
    expect(log).toEqual([]);
    session.detach(downstream);
    session.heartbeat();
    expect(log).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.heartbeat();
    expect(log).toEqual(['error:ERR_SESSION_EXPIRED', 'closed:1001']);
    expect(gone).toEqual(['id']);
    expect(session.write('late')).toBe(false);
  });

  it('delivers what was written before a close on the next request, then ends', () => {
    const { session, log, gone } = createSession();
    session.write('bye');
    session.close({ code: 1000, reason: 'done' });
    expect(session.write('after')).toBe(false);
    expect(log).toEqual([]);
    const next = new RecordingDownstream();
    session.open(next, undefined);
    expect(next.received).toEqual([1]);
    expect(next.ended).toBe('closed');
    expect(log).toEqual(['closed:1000']);
    expect(gone).toEqual(['id']);
  });

  it('gives up on a closed session whose client never comes back, after sessionIdleMs', async () => {
    const { session, log } = createSession({ sessionIdleMs: 20 });
    session.write('bye');
    session.close({ code: 1000, reason: 'done' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    session.heartbeat();
    expect(log).toEqual(['closed:1000']);
  });

  it('delivers numbered messages once, however often a POST is retried, and refuses a hole', () => {
    const { session, log } = createSession();
    expect(session.receiveNumbered(1, ['a', 'b'])).toBe(true);
    expect(session.receiveNumbered(1, ['a', 'b'])).toBe(true);
    expect(session.receiveNumbered(2, ['b', 'c'])).toBe(true);
    expect(session.receiveNumbered(5, ['e'])).toBe(false);
    expect(session.upstream).toBe(3);
    expect(log).toEqual(['message:a', 'message:b', 'message:c']);
  });

  it('ends the open response when it closes, and answers later requests as closed', () => {
    const { session, log } = createSession();
    const downstream = new RecordingDownstream();
    session.open(downstream, undefined);
    session.receive('hi');
    session.close({ code: 1000, reason: '' });
    expect(downstream.ended).toBe('closed');
    expect(log).toEqual(['message:hi', 'closed:1000']);
    const late = new RecordingDownstream();
    session.open(late, undefined);
    expect(late.ended).toBe('closed');
  });
});
