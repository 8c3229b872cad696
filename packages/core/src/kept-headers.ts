import type { IncomingHttpHeaders } from 'node:http';
import { StringTable } from './string-table';

/**
 * Request headers that only served the connection's handshake or hop: a client holds them for as
 * long as it lives (`client.headers`), and with thousands of idle WebSockets, these few strings
 * (a random key, the offered extensions) are a good share of what each connection costs.
 */
const HANDSHAKE_ONLY: ReadonlySet<string> = new Set([
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'sec-websocket-key',
  'sec-websocket-key1',
  'sec-websocket-key2',
  'sec-websocket-version',
  'sec-websocket-extensions',
]);

/**
 * Headers whose values nearly every client of one server repeats (its host name, its page's
 * origin, the few browsers' user agents and languages): kept once per process, not per client.
 */
const REPEATED: ReadonlySet<string> = new Set([
  'host',
  'origin',
  'user-agent',
  'accept',
  'accept-language',
  'accept-encoding',
  'cache-control',
  'pragma',
  'sec-websocket-protocol',
]);

/** Distinct values shared before the table starts over: a server sees a handful of each, this is room for many more. */
const SHARED_VALUES_MAX = 1024;
/** Longer values are kept as the request had them: a header that long is rarely a common one. */
const SHARED_VALUE_MAX_LENGTH = 512;

const repeatedValues = new StringTable(SHARED_VALUES_MAX, SHARED_VALUE_MAX_LENGTH);

/** A copy of `headers` without those that only served the handshake (what `client.headers` holds). */
export function keptHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (HANDSHAKE_ONLY.has(name)) continue;
    const value = headers[name];
    kept[name] = typeof value === 'string' && REPEATED.has(name) ? repeatedValues.share(value) : value;
  }
  return kept;
}
