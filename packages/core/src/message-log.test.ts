import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LogEntry, MessageLog, addressedTo } from './message-log';

const entry = (seq: number, bytes: number, address: { to?: string; except?: string } = {}): LogEntry<string> => ({
  seq,
  message: `m${seq}`,
  bytes,
  frames: new Map(),
  ...address,
});

/** A model of the log: every entry ever appended, and the budget. */
const arbitraryLog = fc.record({
  maxBytes: fc.integer({ min: 1, max: 400 }),
  entries: fc.array(
    fc.record({
      bytes: fc.integer({ min: 1, max: 60 }),
      to: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
      except: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
      skip: fc.integer({ min: 1, max: 3 }), // numbers increase with holes, as for one client's view
    }),
    { maxLength: 200 },
  ),
});

describe('MessageLog', () => {
  it('addresses one client, everyone but one, or everyone', () => {
    expect(addressedTo({}, 'a')).toBe(true);
    expect(addressedTo({ to: 'a' }, 'a')).toBe(true);
    expect(addressedTo({ to: 'a' }, 'b')).toBe(false);
    expect(addressedTo({ except: 'a' }, 'a')).toBe(false);
    expect(addressedTo({ except: 'a' }, 'b')).toBe(true);
  });

  it('addresses the members of a channel, minus those a filter excluded', () => {
    const inRoom = (channel: string) => channel === 'room';
    expect(addressedTo({ channel: 'room' }, 'a', inRoom)).toBe(true);
    expect(addressedTo({ channel: 'hall' }, 'a', inRoom)).toBe(false);
    expect(addressedTo({ channel: 'room' }, 'a')).toBe(false);
    expect(addressedTo({ channel: 'room', excluded: new Set(['a']) }, 'a', inRoom)).toBe(false);
    expect(addressedTo({ excluded: new Set(['a']) }, 'a')).toBe(false);
    expect(addressedTo({ channel: 'room', except: 'a' }, 'a', inRoom)).toBe(false);
  });

  it('replays what follows a cursor, for that client, in order', () => {
    const log = new MessageLog<string>(1000);
    log.append(entry(1, 10));
    log.append(entry(2, 10, { to: 'b' }));
    log.append(entry(3, 10, { except: 'a' }));
    log.append(entry(5, 10, { to: 'a' }));
    expect(log.replay(0, 'a').entries.map((e) => e.seq)).toEqual([1, 5]);
    expect(log.replay(1, 'b').entries.map((e) => e.seq)).toEqual([2, 3]);
    expect(log.replay(4, 'a').entries.map((e) => e.seq)).toEqual([5]);
    expect(log.replay(5, 'a')).toEqual({ entries: [], gap: undefined });
  });

  it('evicts the oldest past its byte budget and reports a cursor below them as a gap', () => {
    const log = new MessageLog<string>(25);
    for (let seq = 1; seq <= 5; seq++) log.append(entry(seq, 10));
    expect(log.size).toBe(2);
    expect(log.evictedThrough).toBe(3);
    expect(log.replay(1, 'a')).toMatchObject({ gap: { from: 2, to: 3 } });
    expect(log.replay(1, 'a').entries.map((e) => e.seq)).toEqual([4, 5]);
    expect(log.replay(3, 'a').gap).toBeUndefined();
  });

  it('never holds more than its budget, and replays exactly the held entries after any cursor (property)', () => {
    fc.assert(
      fc.property(arbitraryLog, fc.integer({ min: 0, max: 700 }), fc.constantFrom('a', 'b', 'c'), ({ maxBytes, entries }, cursor, client) => {
        const log = new MessageLog<string>(maxBytes);
        const appended: LogEntry<string>[] = [];
        let seq = 0;
        for (const { bytes, to, skip, except } of entries) {
          seq += skip;
          const next = entry(seq, bytes, { ...(to === undefined ? {} : { to }), ...(except === undefined ? {} : { except }) });
          appended.push(next);
          log.append(next);
          expect(log.bytes).toBeLessThanOrEqual(maxBytes);
        }
        // The model: the newest suffix that fits the budget is held; everything before it is evicted.
        let held = 0;
        let first = appended.length;
        while (first > 0 && held + appended[first - 1]!.bytes <= maxBytes) held += appended[--first]!.bytes;
        const evictedThrough = first === 0 ? 0 : appended[first - 1]!.seq;
        const { entries: replayed, gap } = log.replay(cursor, client);
        const expected = appended.slice(first).filter((e) => e.seq > cursor && addressedTo(e, client));
        expect(replayed.map((e) => e.seq)).toEqual(expected.map((e) => e.seq));
        expect(gap).toEqual(cursor < evictedThrough ? { from: cursor + 1, to: evictedThrough } : undefined);
      }),
    );
  });

  it('stays correct across compaction of a long-evicted prefix', () => {
    const log = new MessageLog<string>(100);
    for (let seq = 1; seq <= 10_000; seq++) log.append(entry(seq, 1));
    expect(log.size).toBe(100);
    expect(log.replay(9_950, 'a').entries.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 9_951 + i));
    expect(log.replay(0, 'a').gap).toEqual({ from: 1, to: 9_900 });
  });
});
