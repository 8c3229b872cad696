import type { ClientRecord } from '@grappler/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientTable } from './client-table';

const record = (id: string, connectedAt = 1_700_000_000_123): ClientRecord => ({ id, node: 'node-a', transport: 'websocket', remoteAddress: '127.0.0.1', connectedAt });

describe('ClientTable', () => {
  it('answers a new object each time, with the fields it was given', () => {
    const table = new ClientTable();
    const given = record('a');
    table.set(given);
    const first = table.get('a');
    expect(first).toEqual(given);
    expect(first).not.toBe(given);
    expect(table.get('a')).not.toBe(first);
    expect(table.get('b')).toBeUndefined();
  });

  it('keeps a record as it was set, whatever happens to the object later', () => {
    const table = new ClientTable();
    const given = { ...record('a') };
    table.set(given);
    given.node = 'node-b';
    expect(table.get('a')?.node).toBe('node-a');
  });

  it('reuses the slot of a removed client, and the new client has none of the old one', () => {
    const table = new ClientTable();
    table.set(record('a', 1));
    table.set(record('b', 2));
    table.delete('a');
    table.set({ id: 'c', node: 'node-c', transport: 'sse', remoteAddress: '::1', connectedAt: 3 });
    expect(table.get('a')).toBeUndefined();
    expect(table.get('b')).toEqual(record('b', 2));
    expect(table.get('c')).toEqual({ id: 'c', node: 'node-c', transport: 'sse', remoteAddress: '::1', connectedAt: 3 });
    expect(table.size).toBe(2);
  });

  it('behaves as a map of copies for any sequence of sets, deletes and clears', () => {
    const id = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const operation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), record: fc.record({ id, node: fc.string(), transport: fc.string(), remoteAddress: fc.string(), connectedAt: fc.double({ noNaN: true }) }) }),
      fc.record({ op: fc.constant('delete' as const), id }),
      fc.record({ op: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const table = new ClientTable();
        const model = new Map<string, ClientRecord>();
        for (const operation of operations) {
          if (operation.op === 'set') {
            table.set(operation.record);
            model.set(operation.record.id, { ...operation.record });
          } else if (operation.op === 'delete') {
            table.delete(operation.id);
            model.delete(operation.id);
          } else {
            table.clear();
            model.clear();
          }
          expect(table.size).toBe(model.size);
          for (const key of ['a', 'b', 'c', 'd', 'e']) expect(table.get(key)).toEqual(model.get(key));
        }
      }),
      { numRuns: 300 },
    );
  });
});
