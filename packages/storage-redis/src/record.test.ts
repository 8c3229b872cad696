import type { ClientRecord } from '@grappler/core';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from './record';

const record: ClientRecord = {
  id: 'c1',
  node: 'node-a',
  transport: 'websocket',
  remoteAddress: '::1',
  connectedAt: 1_700_000_000_123,
};

describe('encodeRecord / decodeRecord', () => {
  it('stores the record as plain hash fields and reads it back equal', () => {
    const fields = encodeRecord(record);
    expect(fields).toEqual({ ...record, connectedAt: '1700000000123' });
    expect(decodeRecord(fields)).toEqual(record);
  });

  it('reads no fields (HGETALL of a missing key) as no record', () => {
    expect(decodeRecord({})).toBeUndefined();
  });

  it('throws on a partial record instead of returning something half-filled', () => {
    const { node: _, ...withoutNode } = encodeRecord(record);
    expect(() => decodeRecord(withoutNode)).toThrow(/malformed client record/);
    expect(() => decodeRecord({ ...encodeRecord(record), connectedAt: 'soon' })).toThrow(/connectedAt/);
  });

  it('refuses a record without a string id or a finite connectedAt', () => {
    expect(() => encodeRecord({ ...record, id: 5 as unknown as string })).toThrow(TypeError);
    expect(() => encodeRecord({ ...record, connectedAt: Number.NaN })).toThrow(TypeError);
  });
});
