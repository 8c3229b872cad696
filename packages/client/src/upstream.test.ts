import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientError } from './errors';
import { type Command, type Upstream, abandon, acknowledge, answer, createUpstream, discard, encodeItem, encodeUpstream, enqueue, renumber, restart } from './upstream';

const numbers = (upstream: ReturnType<typeof createUpstream>) => upstream.pending.map((m) => [m.u, m.data]);

/** Enqueues a channel command and records how it settles: 'done', the refusal's code, or undefined while open. */
function command(upstream: Upstream, t: Command, c: string, data = ''): { outcome: string | undefined } {
  const record: { outcome: string | undefined } = { outcome: undefined };
  enqueue(upstream, data, {
    t,
    c,
    settle: (error) => {
      if (record.outcome !== undefined) throw new Error(`settled twice: ${record.outcome}, then ${error?.code ?? 'done'}`);
      record.outcome = error ? error.code : 'done';
    },
  });
  return record;
}

const refused = (code = 'ERR_FORBIDDEN') => new ClientError(code, 'refused', { channel: 'room' });

describe('upstream', () => {
  it('numbers messages from 1 and forgets those acknowledged', () => {
    const upstream = createUpstream();
    for (const data of ['a', 'b', 'c']) enqueue(upstream, data);
    acknowledge(upstream, 2);
    expect(numbers(upstream)).toEqual([[3, 'c']]);
    expect(enqueue(upstream, 'd').u).toBe(4);
    acknowledge(upstream, 1); // an old ack changes nothing
    expect(numbers(upstream)).toEqual([
      [3, 'c'],
      [4, 'd'],
    ]);
  });

  it('renumbers what is pending from 1 for a new client, or from a given number', () => {
    const upstream = createUpstream();
    for (const data of ['a', 'b', 'c', 'd']) enqueue(upstream, data);
    acknowledge(upstream, 2);
    renumber(upstream);
    expect(numbers(upstream)).toEqual([
      [1, 'c'],
      [2, 'd'],
    ]);
    expect(upstream.next).toBe(3);
    renumber(upstream, 6);
    expect(numbers(upstream)).toEqual([
      [6, 'c'],
      [7, 'd'],
    ]);
  });

  it('gives the numbers of discarded messages to the later ones', () => {
    const upstream = createUpstream();
    for (const data of ['a', 'b', 'c', 'd']) enqueue(upstream, data);
    acknowledge(upstream, 1);
    discard(upstream, 2);
    expect(numbers(upstream)).toEqual([[2, 'd']]);
    expect(enqueue(upstream, 'e').u).toBe(3);
  });

  it('keeps pending numbers consecutive and ending below next, whatever happens', () => {
    const step = fc.oneof(
      fc.string().map((data) => ({ kind: 'send' as const, data })),
      fc.nat({ max: 30 }).map((up) => ({ kind: 'ack' as const, up })),
      fc.nat({ max: 3 }).map((count) => ({ kind: 'discard' as const, count })),
      fc.constant({ kind: 'renumber' as const }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const upstream = createUpstream();
        for (const s of steps) {
          if (s.kind === 'send') enqueue(upstream, s.data);
          else if (s.kind === 'ack') acknowledge(upstream, s.up);
          else if (s.kind === 'discard') discard(upstream, s.count);
          else renumber(upstream);
          upstream.pending.forEach((m, i) => {
            expect(m.u).toBe(upstream.next - upstream.pending.length + i);
          });
          expect(upstream.next).toBeGreaterThanOrEqual(1);
        }
      }),
    );
  });

  it('encodes a WebSocket frame as {"u","d"}', () => {
    expect(encodeUpstream({ u: 7, data: 'a"b' })).toBe('{"u":7,"d":"a\\"b"}');
  });

  it('encodes channel commands as WebSocket frames and as POST entries', () => {
    expect(encodeUpstream({ u: 8, data: '', t: 'join', c: 'room' })).toBe('{"u":8,"t":"join","c":"room"}');
    expect(encodeUpstream({ u: 9, data: '', t: 'leave', c: 'room' })).toBe('{"u":9,"t":"leave","c":"room"}');
    expect(encodeUpstream({ u: 10, data: 'hi', t: 'publish', c: 'room' })).toBe('{"u":10,"t":"publish","c":"room","d":"hi"}');
    expect(encodeItem({ u: 1, data: 'text' })).toBe('text');
    expect(encodeItem({ u: 2, data: '', t: 'join', c: 'room' })).toEqual({ t: 'join', c: 'room' });
    expect(encodeItem({ u: 3, data: 'hi', t: 'publish', c: 'room' })).toEqual({ t: 'publish', c: 'room', d: 'hi' });
  });
});

describe('channel commands in the upstream', () => {
  it('keeps every acknowledged command waiting for its reply, which settles it', () => {
    const upstream = createUpstream();
    const join = command(upstream, 'join', 'room');
    const publish = command(upstream, 'publish', 'room', 'hi');
    const leave = command(upstream, 'leave', 'room');
    acknowledge(upstream, 3);
    expect(upstream.pending).toEqual([]);
    expect(upstream.awaiting.map((m) => m.t)).toEqual(['join', 'publish', 'leave']);
    expect([join.outcome, publish.outcome, leave.outcome]).toEqual([undefined, undefined, undefined]);
    expect(answer(upstream, 1)?.t).toBe('join');
    expect(answer(upstream, 2)?.t).toBe('publish');
    expect(answer(upstream, 3, refused())?.t).toBe('leave');
    expect([join.outcome, publish.outcome, leave.outcome]).toEqual(['done', 'done', 'ERR_FORBIDDEN']);
    expect(upstream.awaiting).toEqual([]);
  });

  it('refuses a command that is still pending when its error reply comes, and acknowledges everything before it', () => {
    const upstream = createUpstream();
    enqueue(upstream, 'a message');
    const first = command(upstream, 'publish', 'room', 'one');
    const second = command(upstream, 'publish', 'room', 'spam');
    const third = command(upstream, 'publish', 'room', 'three');
    answer(upstream, 2);
    answer(upstream, 3, refused());
    expect([first.outcome, second.outcome, third.outcome]).toEqual(['done', 'ERR_FORBIDDEN', undefined]);
    expect(numbers(upstream)).toEqual([[4, 'three']]);
  });

  it('settles a join answered before its acknowledgement once, and the acknowledgement after changes nothing', () => {
    const upstream = createUpstream();
    const join = command(upstream, 'join', 'room');
    const publish = command(upstream, 'publish', 'room', 'hi');
    answer(upstream, 1);
    expect(join.outcome).toBe('done');
    expect(upstream.awaiting).toEqual([]);
    acknowledge(upstream, 2);
    expect(publish.outcome).toBeUndefined(); // received, not yet carried out
    expect(answer(upstream, 2)?.t).toBe('publish');
    expect(publish.outcome).toBe('done');
    expect(answer(upstream, 2)).toBeUndefined(); // settled already: a second reply is only reported
  });

  it('ignores a reply naming a number it never sent', () => {
    const upstream = createUpstream();
    const join = command(upstream, 'join', 'room');
    expect(answer(upstream, 5, refused())).toBeUndefined();
    expect(join.outcome).toBeUndefined();
    expect(upstream.pending).toHaveLength(1);
  });

  it('for a new server-side client, joins the channels first, then resends what awaits a reply and what is pending, from 1', () => {
    const upstream = createUpstream();
    command(upstream, 'join', 'a'); // 1
    enqueue(upstream, 'm'); // 2
    const leave = command(upstream, 'leave', 'b'); // 3
    const publish = command(upstream, 'publish', 'a', 'later'); // 4
    acknowledge(upstream, 3);
    answer(upstream, 1);
    restart(upstream, ['a', 'c']); // the new client is in no channel, and answers nothing of the old one's
    expect(upstream.pending.map((m) => [m.u, m.t, m.c, m.data])).toEqual([
      [1, 'join', 'a', ''],
      [2, 'join', 'c', ''],
      [3, 'leave', 'b', ''],
      [4, 'publish', 'a', 'later'],
    ]);
    expect(upstream.awaiting).toEqual([]);
    expect(upstream.next).toBe(5);
    answer(upstream, 3);
    answer(upstream, 4);
    expect([leave.outcome, publish.outcome]).toEqual(['done', 'done']);
  });

  it('refuses discarded commands with the reason, and every open one when the client closes', () => {
    const upstream = createUpstream();
    const join = command(upstream, 'join', 'a');
    const publish = command(upstream, 'publish', 'a', 'x');
    discard(upstream, 1, refused('ERR_SEND'));
    const leave = command(upstream, 'leave', 'a');
    const later = command(upstream, 'publish', 'a', 'y');
    answer(upstream, 1); // the publish is done
    acknowledge(upstream, 2); // the leave awaits its reply, the later publish is pending
    abandon(upstream, refused('ERR_CLOSED'));
    expect([join.outcome, publish.outcome, leave.outcome, later.outcome]).toEqual(['ERR_SEND', 'done', 'ERR_CLOSED', 'ERR_CLOSED']);
    expect(upstream.pending).toEqual([]);
    expect(upstream.awaiting).toEqual([]);
  });

  it('settles every command exactly once, whatever the server acknowledges, answers or forgets', () => {
    const step = fc.oneof(
      fc.constantFrom<Command | 'message'>('message', 'join', 'leave', 'publish').map((kind) => ({ kind: 'send' as const, what: kind })),
      fc.nat({ max: 30 }).map((up) => ({ kind: 'ack' as const, up })),
      fc.tuple(fc.nat({ max: 30 }), fc.boolean()).map(([ref, refuse]) => ({ kind: 'answer' as const, ref, refuse })),
      fc.nat({ max: 3 }).map((count) => ({ kind: 'discard' as const, count })),
      fc.constant({ kind: 'restart' as const }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 50 }), (steps) => {
        const upstream = createUpstream();
        const commands: { outcome: string | undefined }[] = [];
        for (const s of steps) {
          if (s.kind === 'send') {
            if (s.what === 'message') enqueue(upstream, 'm');
            else commands.push(command(upstream, s.what, 'room')); // throws when settled twice
          } else if (s.kind === 'ack') acknowledge(upstream, s.up);
          else if (s.kind === 'answer') answer(upstream, s.ref, s.refuse ? refused() : undefined);
          else if (s.kind === 'discard') discard(upstream, s.count, refused('ERR_SEND'));
          else restart(upstream, ['room']);
          upstream.pending.forEach((m, i) => {
            expect(m.u).toBe(upstream.next - upstream.pending.length + i);
          });
          // Every command not yet settled is still held, pending or awaiting its reply.
          const held = [...upstream.pending, ...upstream.awaiting].filter((m) => m.settle).length;
          expect(held).toBe(commands.filter((c) => c.outcome === undefined).length);
        }
        abandon(upstream, refused('ERR_CLOSED'));
        expect(commands.every((c) => c.outcome !== undefined)).toBe(true);
      }),
    );
  });
});
