/**
 * A shared-log entry as the fields of one stream entry, and back. Every field is a stream field of
 * its own; absent ones are left out. Text is stored as UTF-8, bytes as they are (ioredis sends and,
 * with its `…Buffer` commands, returns Buffers), `sender` and `reply` as JSON text.
 *
 *   node <nodeId>  time <ms>  [to|except|channel <id>]  text <utf-8> | bytes <raw>  [sender <json>]  [reply <json>]
 *   [origin <id>  originSeq <n>]
 */
import type { SharedLogAppend, SharedLogEntry } from '@grappler/core';

const ADDRESSING = ['to', 'except', 'channel'] as const;

/** The field/value list XADD takes for `entry`; a TypeError for what cannot be stored. */
export function encodeEntry(entry: SharedLogAppend): (string | Buffer)[] {
  if (typeof entry !== 'object' || entry === null) throw new TypeError('append: the entry must be an object');
  if (typeof entry.node !== 'string') throw new TypeError('append: "node" must be a string');
  if (typeof entry.time !== 'number' || !Number.isFinite(entry.time)) {
    throw new TypeError(`append: "time" must be a finite number of milliseconds, got ${String(entry.time)}`);
  }
  const fields: (string | Buffer)[] = ['node', entry.node, 'time', String(entry.time)];
  for (const name of ADDRESSING) {
    const value = entry[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new TypeError(`append: "${name}" must be a string`);
    fields.push(name, value);
  }
  if (entry.text !== undefined && entry.bytes !== undefined) {
    throw new TypeError('append: an entry carries "text" or "bytes", not both');
  }
  if (entry.text !== undefined) {
    if (typeof entry.text !== 'string') throw new TypeError('append: "text" must be a string');
    fields.push('text', entry.text);
  } else if (entry.bytes !== undefined) {
    if (!(entry.bytes instanceof Uint8Array)) throw new TypeError('append: "bytes" must be a Uint8Array');
    fields.push('bytes', Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength));
  }
  for (const name of ['sender', 'reply'] as const) {
    if (entry[name] !== undefined) fields.push(name, encodeJson(name, entry[name]));
  }
  if (entry.origin !== undefined || entry.originSeq !== undefined) {
    if (typeof entry.origin !== 'string' || !Number.isSafeInteger(entry.originSeq) || (entry.originSeq as number) < 1) {
      throw new TypeError('append: "origin" (a string) and "originSeq" (a positive integer) go together');
    }
    fields.push('origin', entry.origin, 'originSeq', String(entry.originSeq));
  }
  return fields;
}

function encodeJson(name: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new TypeError(`append: "${name}" cannot be encoded as JSON`, { cause });
  }
  if (text === undefined) throw new TypeError(`append: "${name}" cannot be encoded as JSON`);
  return text;
}

/** The number of stream id `0-<n>`; NaN for an id this package did not write. */
export function seqOfId(id: string): number {
  const match = /^0-(\d{1,16})$/.exec(id);
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * The entry stored under stream id `id` with `fields` (as XRANGE/XREAD return them, Buffers).
 * Throws (a SyntaxError or TypeError) for an entry this package did not write.
 */
export function decodeEntry(id: Buffer | string, fields: readonly Buffer[]): SharedLogEntry {
  const seq = seqOfId(id.toString());
  if (!Number.isSafeInteger(seq)) throw new TypeError(`unexpected stream id ${id.toString()}`);
  const entry: Record<string, unknown> = { seq };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString();
    const value = fields[i + 1]!;
    if (name === 'bytes') entry.bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    else if (name === 'time') entry.time = Number(value.toString());
    else if (name === 'sender' || name === 'reply') entry[name] = JSON.parse(value.toString());
    else if (name === 'originSeq') entry.originSeq = Number(value.toString());
    else entry[name] = value.toString();
  }
  if (typeof entry.node !== 'string' || typeof entry.time !== 'number') {
    throw new TypeError(`stream entry ${id.toString()} is not a grappler log entry`);
  }
  return entry as unknown as SharedLogEntry;
}
