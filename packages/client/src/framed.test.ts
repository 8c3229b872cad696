import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientError } from './errors';
import { type FrameEvent, type FrameResult, START, type StreamPosition, parseFrame, readFrame, resumeQuery } from './framed';

const hello = (fields: { s: number; resumed: boolean; up?: number; token?: string; id?: string }): string =>
  JSON.stringify({ t: 'hello', id: fields.id ?? 'c1', token: fields.token ?? 'tok', up: 0, ...fields });

/** Reads `texts` in order from `position`; throws on a malformed frame. */
function readAll(texts: string[], position: StreamPosition = START): { position: StreamPosition; events: FrameEvent[] } {
  const events: FrameEvent[] = [];
  for (const text of texts) {
    const result = readFrame(position, text);
    if (result instanceof ClientError) throw result;
    position = result.position;
    events.push(...result.events);
  }
  return { position, events };
}

const ok = (result: FrameResult | ClientError): FrameResult => {
  if (result instanceof ClientError) throw result;
  return result;
};

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

/** A message's fields as parseFrame gives them: no channel, no stamp. */
const plain = { channel: undefined, meta: { id: undefined, time: undefined, from: undefined } };

/** Every field name a v1 frame of some type gives a meaning to. */
const KNOWN_FIELDS = ['t', 's', 'd', 'b', 'id', 'ts', 'c', 'from', 'ref', 'code', 'message', 'token', 'resumed', 'up'];

/** One valid frame of each kind this version reads, as objects. */
const VALID_FRAMES: Record<string, unknown>[] = [
  { s: 12, d: 'text' },
  { s: 12, id: 'n.12', ts: 1763770000000, b: 'AAEC' },
  { s: 13, id: 'n.13', ts: 1763770000001, c: 'room', from: { name: 'ada' }, d: 'hi' },
  { s: 14, t: 'joined', c: 'room', ref: 7 },
  { s: 15, t: 'left', c: 'room' },
  { s: 16, t: 'error', code: 'ERR_FORBIDDEN', message: 'no', c: 'room', ref: 9 },
  { s: 17, t: 'error', code: 'ERR_BAD_REQUEST', message: 'a channel name is 1 to 256 characters', ref: 10 },
  { t: 'hello', s: 0, id: 'x', token: 'y', resumed: false, up: 0 },
  { t: 'gap', s: 9, from: 4 },
  { t: 'ack', up: 3 },
  { t: 'future', s: 18, anything: [1, 2] },
];

describe('parseFrame', () => {
  it('reads messages, hello, gap and ack', () => {
    expect(parseFrame('{"s":12,"d":"text"}')).toEqual({ t: 'message', s: 12, data: 'text', ...plain });
    expect(parseFrame('{"s":12,"b":"AAEC/w=="}')).toEqual({ t: 'message', s: 12, data: Uint8Array.from([0, 1, 2, 255]), ...plain });
    expect(parseFrame('{"t":"hello","s":0,"id":"x","token":"y","resumed":false,"up":0}')).toEqual({
      t: 'hello',
      s: 0,
      id: 'x',
      token: 'y',
      resumed: false,
      up: 0,
    });
    expect(parseFrame('{"t":"gap","s":9,"from":4}')).toEqual({ t: 'gap', s: 9, from: 4 });
    expect(parseFrame('{"t":"ack","up":3}')).toEqual({ t: 'ack', up: 3 });
  });

  it('reads a stamped message: its id, time, channel and sender', () => {
    expect(parseFrame('{"s":13,"id":"n.13","ts":1763770000000,"c":"room","from":{"name":"ada"},"d":"hi"}')).toEqual({
      t: 'message',
      s: 13,
      data: 'hi',
      channel: 'room',
      meta: { id: 'n.13', time: 1763770000000, from: { name: 'ada' } },
    });
    expect(parseFrame('{"s":12,"id":"n.12","ts":5,"b":"AAE="}')).toEqual({
      t: 'message',
      s: 12,
      data: Uint8Array.of(0, 1),
      channel: undefined,
      meta: { id: 'n.12', time: 5, from: undefined },
    });
  });

  it('reads the replies joined, left and error, with the number of the command they answer or without', () => {
    expect(parseFrame('{"s":14,"t":"joined","c":"room","ref":7}')).toEqual({ t: 'joined', s: 14, c: 'room', ref: 7 });
    expect(parseFrame('{"s":15,"t":"left","c":"room"}')).toEqual({ t: 'left', s: 15, c: 'room', ref: undefined });
    expect(parseFrame('{"s":16,"t":"error","code":"ERR_FORBIDDEN","message":"no spam","c":"room","ref":9}')).toEqual({
      t: 'error',
      s: 16,
      code: 'ERR_FORBIDDEN',
      message: 'no spam',
      c: 'room',
      ref: 9,
    });
    expect(parseFrame('{"s":17,"t":"error","code":"ERR_BAD_REQUEST","message":"bad name","ref":3}')).toMatchObject({ t: 'error', c: undefined, ref: 3 });
  });

  it('skips a frame of a type it does not know, keeping its number', () => {
    expect(parseFrame('{"t":"bye","s":3,"why":"later versions"}')).toEqual({ t: 'ignored', s: 3 });
    expect(parseFrame('{"t":"presence","who":["ada"]}')).toEqual({ t: 'ignored', s: undefined });
  });

  it('ignores unknown fields: adding any never changes what a frame means', () => {
    const extra = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }).filter((key) => !KNOWN_FIELDS.includes(key) && key !== '__proto__'),
      fc.jsonValue(),
      { maxKeys: 4 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...VALID_FRAMES), extra, (frame, fields) => {
        const parsed = parseFrame(JSON.stringify(frame));
        expect(parsed).not.toBeInstanceOf(ClientError);
        expect(parseFrame(JSON.stringify({ ...fields, ...frame }))).toEqual(parsed);
      }),
    );
  });

  it.each([
    ['not JSON', 'hello'],
    ['not an object', '[1,2]'],
    ['null', 'null'],
    ['a string', '"text"'],
    ['a message without s', '{"d":"x"}'],
    ['a message numbered 0', '{"s":0,"d":"x"}'],
    ['a fractional s', '{"s":1.5,"d":"x"}'],
    ['a negative s', '{"s":-1,"d":"x"}'],
    ['s as a string', '{"s":"1","d":"x"}'],
    ['a message with neither d nor b', '{"s":1}'],
    ['a message with both d and b', '{"s":1,"d":"x","b":"AA=="}'],
    ['d that is not a string', '{"s":1,"d":5}'],
    ['b that is not base64', '{"s":1,"b":"!!!"}'],
    ['a hello without token', '{"t":"hello","s":0,"id":"x","resumed":false,"up":0}'],
    ['a hello with an empty token', '{"t":"hello","s":0,"id":"x","token":"","resumed":false,"up":0}'],
    ['a hello without up', '{"t":"hello","s":0,"id":"x","token":"t","resumed":true}'],
    ['a hello with resumed as a string', '{"t":"hello","s":0,"id":"x","token":"t","resumed":"yes","up":0}'],
    ['a gap whose from is above s', '{"t":"gap","s":3,"from":4}'],
    ['a gap without from', '{"t":"gap","s":3}'],
    ['an ack without up', '{"t":"ack"}'],
    ['a stamp whose id is not a string', '{"s":1,"id":5,"ts":1,"d":"x"}'],
    ['a stamp whose time is not a number', '{"s":1,"id":"n.1","ts":"now","d":"x"}'],
    ['a channel that is not a string', '{"s":1,"c":["room"],"d":"x"}'],
    ['a joined reply without c', '{"s":2,"t":"joined","ref":1}'],
    ['a left reply without s', '{"t":"left","c":"room","ref":1}'],
    ['a reply whose ref is 0', '{"s":2,"t":"joined","c":"room","ref":0}'],
    ['a reply whose ref is a string', '{"s":2,"t":"left","c":"room","ref":"1"}'],
    ['an error reply without code', '{"s":2,"t":"error","message":"no","ref":1}'],
    ['an error reply without message', '{"s":2,"t":"error","code":"ERR_FORBIDDEN","ref":1}'],
    ['an error reply whose channel is not a string', '{"s":2,"t":"error","code":"E","message":"m","c":1}'],
    ['a type that is not a string', '{"t":5,"s":3}'],
    ['an unknown type with a bad number', '{"t":"bye","s":-3}'],
  ])('refuses %s with ERR_PROTOCOL', (_name, text) => {
    const result = parseFrame(text);
    expect(result).toBeInstanceOf(ClientError);
    expect((result as ClientError).code).toBe('ERR_PROTOCOL');
  });

  it('never throws: any text is a frame or ERR_PROTOCOL', () => {
    const texts = fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ s: 1, ...(typeof v === 'object' ? v : { d: v }) })));
    fc.assert(
      fc.property(texts, (text) => {
        const result = parseFrame(text);
        if (result instanceof ClientError) expect(result.code).toBe('ERR_PROTOCOL');
        else expect(['message', 'joined', 'left', 'error', 'ignored', 'hello', 'gap', 'ack']).toContain(result.t);
      }),
    );
  });

  it('gives back any text and any bytes it carries', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1 }), (text, bytes, s) => {
        expect(parseFrame(JSON.stringify({ s, d: text }))).toEqual({ t: 'message', s, data: text, ...plain });
        expect(parseFrame(JSON.stringify({ s, b: toBase64(bytes) }))).toEqual({ t: 'message', s, data: bytes, ...plain });
      }),
    );
  });

  it('gives back any channel, stamp and sender a message carries', () => {
    const stamp = fc.record({
      c: fc.string({ unit: 'binary', minLength: 1, maxLength: 256 }),
      id: fc.string({ unit: 'binary' }),
      ts: fc.integer({ min: 0, max: 2 ** 48 }),
      from: fc.jsonValue(),
    });
    fc.assert(
      fc.property(stamp, fc.string({ unit: 'binary' }), fc.integer({ min: 1 }), ({ c, id, ts, from }, text, s) => {
        const frame = JSON.stringify({ s, id, ts, c, from, d: text });
        // JSON does not keep -0: compare with what the wire carries.
        expect(parseFrame(frame)).toEqual({ t: 'message', s, data: text, channel: c, meta: { id, time: ts, from: JSON.parse(JSON.stringify(from)) } });
      }),
    );
  });
});

describe('readFrame', () => {
  it('takes the cursor and token of a new client from its hello', () => {
    const result = ok(readFrame(START, hello({ s: 41, resumed: false, token: 'T', id: 'C' })));
    expect(result).toEqual({ position: { cursor: 41, token: 'T', id: 'C' }, events: [{ type: 'hello', resumed: false, up: 0 }] });
  });

  it('keeps the cursor on a resumed hello and reports its up', () => {
    const result = ok(readFrame({ cursor: 7, token: 'T', id: 'C' }, hello({ s: 9, resumed: true, up: 4, token: 'T2', id: 'C' })));
    expect(result).toEqual({ position: { cursor: 7, token: 'T2', id: 'C' }, events: [{ type: 'hello', resumed: true, up: 4 }] });
  });

  it('reports a gap from the old cursor to the hello when a new client replaces an old one', () => {
    const result = ok(readFrame({ cursor: 7, token: 'T', id: 'C' }, hello({ s: 20, resumed: false })));
    expect(result.position.cursor).toBe(20);
    expect(result.events).toEqual([
      { type: 'hello', resumed: false, up: 0 },
      { type: 'gap', from: 8, to: 20 },
    ]);
  });

  it('reports a gap of unknown extent when a new client numbers below the old cursor (a restarted server)', () => {
    const result = ok(readFrame({ cursor: 700, token: 'T', id: 'C' }, hello({ s: 3, resumed: false })));
    expect(result.position.cursor).toBe(3);
    expect(result.events[1]).toEqual({ type: 'gap', from: 701, to: undefined });
  });

  it('reports no gap when a new client starts at the old cursor: nothing was numbered since', () => {
    const result = ok(readFrame({ cursor: 7, token: 'T', id: 'C' }, hello({ s: 7, resumed: false, token: 'T2' })));
    expect(result).toEqual({ position: { cursor: 7, token: 'T2', id: 'c1' }, events: [{ type: 'hello', resumed: false, up: 0 }] });
  });

  it('moves the cursor to a gap frame and reports it, clipped to what was not seen', () => {
    const position = { cursor: 5, token: 'T', id: 'C' };
    expect(ok(readFrame(position, '{"t":"gap","s":10,"from":8}'))).toEqual({
      position: { ...position, cursor: 10 },
      events: [{ type: 'gap', from: 8, to: 10 }],
    });
    expect(ok(readFrame(position, '{"t":"gap","s":10,"from":2}')).events).toEqual([{ type: 'gap', from: 6, to: 10 }]);
    expect(ok(readFrame(position, '{"t":"gap","s":5,"from":2}'))).toEqual({ position, events: [] });
  });

  it('passes a plain message on with its stamp, and a channel message with its channel', () => {
    const position = { cursor: 5, token: 'T', id: 'C' };
    expect(ok(readFrame(position, '{"s":6,"id":"n.6","ts":100,"d":"plain"}')).events).toEqual([
      { type: 'message', data: 'plain', meta: { id: 'n.6', time: 100, from: undefined } },
    ]);
    expect(ok(readFrame(position, '{"s":7,"id":"n.7","ts":101,"c":"room","from":"ada","d":"hi"}'))).toEqual({
      position: { ...position, cursor: 7 },
      events: [{ type: 'channel', data: 'hi', meta: { channel: 'room', id: 'n.7', time: 101, from: 'ada' } }],
    });
  });

  it('numbers replies like messages: it passes one on once, and a resent one is a duplicate', () => {
    const { position, events } = readAll([
      hello({ s: 3, resumed: false }),
      '{"s":4,"t":"joined","c":"room","ref":1}',
      '{"s":5,"t":"error","code":"ERR_FORBIDDEN","message":"no","c":"staff","ref":2}',
      '{"s":4,"t":"joined","c":"room","ref":1}',
      '{"s":6,"t":"left","c":"room"}',
      '{"s":5,"t":"error","code":"ERR_FORBIDDEN","message":"no","c":"staff","ref":2}',
    ]);
    expect(position.cursor).toBe(6);
    expect(events.slice(1)).toEqual([
      { type: 'reply', reply: { t: 'joined', s: 4, c: 'room', ref: 1 } },
      { type: 'reply', reply: { t: 'error', s: 5, code: 'ERR_FORBIDDEN', message: 'no', c: 'staff', ref: 2 } },
      { type: 'reply', reply: { t: 'left', s: 6, c: 'room', ref: undefined } },
    ]);
  });

  it('moves the cursor past a numbered frame of an unknown type, and reports nothing for it', () => {
    const position = { cursor: 5, token: 'T', id: 'C' };
    expect(ok(readFrame(position, '{"t":"bye","s":8}'))).toEqual({ position: { ...position, cursor: 8 }, events: [] });
    expect(ok(readFrame(position, '{"t":"bye"}'))).toEqual({ position, events: [] });
    expect(ok(readFrame(position, '{"t":"bye","s":4}'))).toEqual({ position, events: [] });
  });

  it('passes an ack on without moving the cursor', () => {
    const position = { cursor: 5, token: 'T', id: 'C' };
    expect(ok(readFrame(position, '{"t":"ack","up":12}'))).toEqual({ position, events: [{ type: 'ack', up: 12 }] });
  });

  it('returns ERR_PROTOCOL for a malformed frame and leaves the position alone', () => {
    const result = readFrame(START, '{"s":1}');
    expect(result).toMatchObject({ code: 'ERR_PROTOCOL' });
  });

  it('delivers each message once, in order, however often and wherever earlier frames are resent', () => {
    // Increasing numbers with holes (messages addressed to others), then the stream as a server
    // resending after drops would write it: at any point, a run of earlier frames again.
    const stream = fc
      .uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 60 })
      .map((numbers) => numbers.sort((a, b) => a - b))
      .chain((numbers) =>
        fc.tuple(
          fc.constant(numbers),
          fc.array(fc.tuple(fc.nat({ max: numbers.length - 1 }), fc.nat({ max: numbers.length - 1 })), { maxLength: 10 }),
        ),
      );
    fc.assert(
      fc.property(stream, ([numbers, resends]) => {
        const frame = (s: number): string => (s % 3 === 0 ? JSON.stringify({ s, b: toBase64(Uint8Array.of(s & 255)) }) : JSON.stringify({ s, d: `m${s}` }));
        const wire = numbers.map(frame);
        for (const [at, back] of resends.sort((a, b) => b[0] - a[0])) {
          wire.splice(at + 1, 0, ...numbers.slice(Math.max(0, at - back), at + 1).map(frame)); // a replay of a run ending at `at`
        }
        const { position, events } = readAll([hello({ s: 0, resumed: false }), ...wire]);
        const expected = numbers.map((s) => (s % 3 === 0 ? Uint8Array.of(s & 255) : `m${s}`));
        expect(events.slice(1)).toEqual(expected.map((data) => ({ type: 'message', data, meta: plain.meta })));
        expect(position.cursor).toBe(numbers.at(-1));
      }),
    );
  });

  it('never moves the cursor back, whatever frames arrive', () => {
    const frames = fc.array(
      fc.oneof(
        fc.integer({ min: 1, max: 50 }).map((s) => JSON.stringify({ s, d: 'x' })),
        fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 })).map(([a, b]) => JSON.stringify({ t: 'gap', s: Math.max(a, b), from: Math.min(a, b) })),
        fc.integer({ min: 0, max: 50 }).map((up) => JSON.stringify({ t: 'ack', up })),
        fc.tuple(fc.integer({ min: 1, max: 50 }), fc.constantFrom('joined', 'left')).map(([s, t]) => JSON.stringify({ s, t, c: 'room', ref: 1 })),
        fc.integer({ min: 1, max: 50 }).map((s) => JSON.stringify({ s, t: 'error', code: 'ERR_FORBIDDEN', message: 'no' })),
        fc.integer({ min: 1, max: 50 }).map((s) => JSON.stringify({ s, t: 'later', c: 'room' })),
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(frames, (texts) => {
        let position: StreamPosition = { cursor: 0, token: 'T', id: 'C' };
        for (const text of texts) {
          const next = ok(readFrame(position, text)).position;
          expect(next.cursor).toBeGreaterThanOrEqual(position.cursor);
          position = next;
        }
      }),
    );
  });
});

describe('resumeQuery', () => {
  it('is empty before a token, then carries the token and the cursor', () => {
    expect(resumeQuery(START)).toEqual({});
    expect(resumeQuery({ cursor: 12, token: 'abc', id: 'C' })).toEqual({ resume: 'abc', seq: 12 });
  });
});
