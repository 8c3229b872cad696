import type { SharedLogAppend } from '@grappler/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, seqOfId } from './log-entry';

/** The fields as Redis gives them back: every value a Buffer. */
const asStored = (fields: (string | Buffer)[]): Buffer[] => fields.map((field) => Buffer.from(field));

describe('encodeEntry / decodeEntry', () => {
  it('gives back every field of any entry, bytes binary-safe', () => {
    const entry = fc.record(
      {
        node: fc.string(),
        time: fc.integer({ min: 0, max: 2 ** 50 }),
        to: fc.string(),
        except: fc.string(),
        channel: fc.string(),
        payload: fc.oneof(fc.record({ text: fc.string({ unit: 'grapheme' }) }), fc.record({ bytes: fc.uint8Array() })),
        sender: fc.jsonValue(),
        reply: fc.jsonValue(),
      },
      { requiredKeys: ['node', 'time', 'payload'] },
    );
    fc.assert(
      fc.property(entry, fc.nat(), ({ payload, ...rest }, seq) => {
        const append = { ...rest, ...payload } as SharedLogAppend;
        const decoded = decodeEntry(`0-${seq}`, asStored(encodeEntry(append)));
        expect(decoded).toEqual({ ...JSON.parse(JSON.stringify({ ...append, bytes: undefined })), ...pick(append), seq });
      }),
    );
  });

  it('refuses what it cannot store, with a TypeError', () => {
    const base = { node: 'a', time: 1 };
    expect(() => encodeEntry({ ...base, time: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => encodeEntry({ ...base, node: 1 } as unknown as SharedLogAppend)).toThrow(/"node" must be a string/);
    expect(() => encodeEntry({ ...base, text: 'a', bytes: new Uint8Array() })).toThrow(/not both/);
    expect(() => encodeEntry({ ...base, bytes: [1] } as unknown as SharedLogAppend)).toThrow(/Uint8Array/);
    expect(() => encodeEntry({ ...base, reply: () => {} })).toThrow(/JSON/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeEntry({ ...base, sender: cyclic })).toThrow(/JSON/);
  });

  it('refuses stream entries it did not write', () => {
    expect(() => decodeEntry('1700000000000-0', asStored(['node', 'a', 'time', '1']))).toThrow(/unexpected stream id/);
    expect(() => decodeEntry('0-1', asStored(['foo', 'bar']))).toThrow(/not a grappler log entry/);
  });
});

describe('seqOfId', () => {
  it('reads 0-<n> ids and nothing else', () => {
    expect(seqOfId('0-1')).toBe(1);
    expect(seqOfId('0-9007199254740991')).toBe(2 ** 53 - 1);
    expect(seqOfId('1-1')).toBeNaN();
    expect(seqOfId('0-')).toBeNaN();
  });
});

/** What JSON does not round-trip but the entry keeps exactly: the bytes and the time. */
function pick(entry: SharedLogAppend): Partial<SharedLogAppend> {
  return entry.bytes === undefined ? { time: entry.time } : { bytes: entry.bytes, time: entry.time };
}
