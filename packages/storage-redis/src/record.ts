import type { ClientRecord } from '@grappler/core';

/**
 * A `ClientRecord` as the fields of its Redis hash: strings, readable with `HGETALL` in redis-cli,
 * and `connectedAt` in decimal.
 */
export function encodeRecord(record: ClientRecord): Record<string, string> {
  if (typeof record?.id !== 'string') throw new TypeError('addClient: record.id must be a string');
  if (!Number.isFinite(record.connectedAt)) throw new TypeError('addClient: record.connectedAt must be a finite number');
  return {
    id: record.id,
    node: String(record.node),
    transport: String(record.transport),
    remoteAddress: String(record.remoteAddress),
    connectedAt: String(record.connectedAt),
  };
}

/** The record stored as `fields` (HGETALL's reply): undefined for no fields, an Error for a partial record. */
export function decodeRecord(fields: Record<string, string>): ClientRecord | undefined {
  const { id, node, transport, remoteAddress, connectedAt } = fields;
  if (Object.keys(fields).length === 0) return undefined;
  if (id === undefined || node === undefined || transport === undefined || remoteAddress === undefined) {
    throw new Error(`malformed client record: fields ${Object.keys(fields).sort().join(', ')}`);
  }
  const at = Number(connectedAt);
  if (connectedAt === undefined || connectedAt === '' || !Number.isFinite(at)) {
    throw new Error(`malformed client record: connectedAt ${String(connectedAt)}`);
  }
  return { id, node, transport, remoteAddress, connectedAt: at };
}
