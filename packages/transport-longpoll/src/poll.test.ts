import type { OpenContext, QueuedFrame } from '@grappler/http-session';
import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HeldPoll } from './poll';

/** The part of a ServerResponse a poll uses, recording what it is told. */
class RecordingResponse extends EventEmitter {
  readonly answers: { status: number; headers: OutgoingHttpHeaders; body: string }[] = [];
  headersSent = false;
  destroyed = false;
  writableLength = 0;
  #status = 0;
  #headers: OutgoingHttpHeaders = {};
  writeHead(status: number, headers: OutgoingHttpHeaders): this {
    this.headersSent = true;
    this.#status = status;
    this.#headers = headers;
    return this;
  }
  end(body: Buffer): this {
    this.answers.push({ status: this.#status, headers: this.#headers, body: body.toString() });
    return this;
  }
}

const context = (pingInterval = 60_000, sliceMs = 10): OpenContext => ({ created: false, headers: { 'X-Grappler-Session': 'sid' }, pingInterval, sliceMs });
const entry = (seq: number, text: string): QueuedFrame<Buffer> => ({ seq, frame: Buffer.from(JSON.stringify(text)), bytes: text.length + 2 });

function held(resumedFrom = 0, pingInterval?: number): { poll: HeldPoll; res: RecordingResponse } {
  const res = new RecordingResponse();
  return { poll: new HeldPoll(res as unknown as ServerResponse, 'sid', resumedFrom, context(pingInterval)), res };
}

describe('the first poll of a new session', () => {
  it('answers in the next turn with the session id and what was queued by then, and is complete', async () => {
    const res = new RecordingResponse();
    const poll = new HeldPoll(res as unknown as ServerResponse, 'sid', 0, { ...context(), created: true }, true);
    expect(res.answers).toEqual([]);
    await nextTurn();
    expect(res.answers).toEqual([
      {
        status: 200,
        headers: { 'X-Grappler-Session': 'sid', 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': 39 },
        body: '{"session":"sid","seq":0,"messages":[]}',
      },
    ]);
    expect(poll.send([entry(1, 'a')])).toBe(false);
    expect(poll.ping()).toBe(false);
  });

  it('carries what the session queued as it opened (a framed hello)', async () => {
    const res = new RecordingResponse();
    const poll = new HeldPoll(res as unknown as ServerResponse, 'sid', 0, { ...context(), created: true }, true);
    expect(poll.send([entry(7, 'hello')])).toBe(true);
    await nextTurn();
    expect(res.answers.map((answer) => answer.body)).toEqual(['{"session":"sid","seq":7,"messages":["hello"]}']);
  });
});

describe('HeldPoll', () => {
  it('answers everything sent in one turn with one response, then takes nothing more', async () => {
    const { poll, res } = held(3);
    expect(poll.send([entry(4, 'a')])).toBe(true);
    expect(poll.send([entry(5, 'b'), entry(6, 'c')])).toBe(true);
    expect(res.answers).toEqual([]);
    await nextTurn();
    expect(res.answers.map((answer) => answer.body)).toEqual(['{"session":"sid","seq":6,"messages":["a","b","c"]}']);
    expect(poll.send([entry(7, 'd')])).toBe(false);
    expect(poll.ping()).toBe(false);
    await nextTurn();
    expect(res.answers).toHaveLength(1);
  });

  it('stays held on a ping before pingInterval, and answers empty with the seq it resumed from after', () => {
    const early = held(5);
    expect(early.poll.ping()).toBe(true);
    expect(early.res.answers).toEqual([]);
    const late = held(5, 0);
    expect(late.poll.ping()).toBe(false);
    expect(late.res.answers.map((answer) => [answer.status, answer.body])).toEqual([[200, '{"session":"sid","seq":5,"messages":[]}']]);
  });

  it('leaves an answer already scheduled to its turn when pinged', async () => {
    const { poll, res } = held(0, 0);
    poll.send([entry(1, 'a')]);
    expect(poll.ping()).toBe(true);
    await nextTurn();
    expect(res.answers.map((answer) => answer.body)).toEqual(['{"session":"sid","seq":1,"messages":["a"]}']);
  });

  it('answers empty with 200 when replaced, dropping what it collected (the newer poll re-sends it)', async () => {
    const { poll, res } = held(2);
    poll.send([entry(3, 'a')]);
    poll.end('replaced');
    await nextTurn();
    expect(res.answers.map((answer) => [answer.status, answer.body])).toEqual([[200, '{"session":"sid","seq":2,"messages":[]}']]);
    expect(poll.send([entry(4, 'b')])).toBe(false);
  });

  it('answers 410 ERR_SESSION_CLOSED when the session closes', async () => {
    const { poll, res } = held();
    poll.end('closed');
    poll.end('closed');
    await nextTurn();
    expect(res.answers).toHaveLength(1);
    expect(res.answers[0]!.status).toBe(410);
    expect(res.answers[0]!.headers).toMatchObject({ 'X-Grappler-Session': 'sid', 'Cache-Control': 'no-store' });
    expect(JSON.parse(res.answers[0]!.body)).toMatchObject({ error: 'ERR_SESSION_CLOSED' });
  });

  it('writes nothing once the client has hung up', async () => {
    const { poll, res } = held();
    poll.send([entry(1, 'a')]);
    res.destroyed = true;
    res.emit('close');
    await nextTurn();
    expect(res.answers).toEqual([]);
    expect(poll.send([entry(2, 'b')])).toBe(false);
    expect(poll.ping()).toBe(false);
  });

  it('reports the bytes the response has not flushed', () => {
    const { poll, res } = held();
    res.writableLength = 123;
    expect(poll.bufferedBytes).toBe(123);
  });
});

describe('answering many polls', () => {
  const manyHeld = (count: number, sliceMs: number): RecordingResponse[] =>
    Array.from({ length: count }, (_, index) => {
      const res = new RecordingResponse();
      const poll = new HeldPoll(res as unknown as ServerResponse, 'sid', 0, context(60_000, sliceMs));
      poll.send([entry(index + 1, `m${index}`)]);
      return res;
    });
  const answered = (responses: readonly RecordingResponse[]): number => responses.filter((res) => res.answers.length > 0).length;

  it('answers the polls a fan-out made due in slices of sliceMs, yielding the event loop between them, in order', async () => {
    // sliceMs 0: every look at the clock (each 32 answers) finds the slice over.
    const responses = manyHeld(100, 0);
    const seen: number[] = [];
    for (let turn = 0; turn < 4; turn++) {
      await nextTurn();
      seen.push(answered(responses));
    }
    expect(seen).toEqual([32, 64, 96, 100]);
    expect(responses.map((res) => JSON.parse(res.answers[0]!.body).messages[0])).toEqual(responses.map((_, index) => `m${index}`));
  });

  it('answers them all in one turn while the slice lasts', async () => {
    const responses = manyHeld(100, Number.POSITIVE_INFINITY);
    await nextTurn();
    expect(answered(responses)).toBe(100);
  });

  it('answers the rest of a slice before polls made due after it', async () => {
    const first = manyHeld(40, 0);
    await nextTurn();
    expect(answered(first)).toBe(32);
    const later = manyHeld(1, 0);
    await nextTurn();
    expect(answered(first)).toBe(40);
    expect(answered(later)).toBe(1);
  });
});
