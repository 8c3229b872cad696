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
/** Distinct sets of headers shared before the table of sets starts over (a set is one per browser build and page, say). */
const SHARED_SETS_MAX = 256;

const repeatedValues = new StringTable(SHARED_VALUES_MAX, SHARED_VALUE_MAX_LENGTH);
/**
 * Kept headers made only of repeated ones, by their names and values: clients that sent the same
 * (the same page in the same browser, without cookies; an app's fleet) share one frozen object.
 */
const sharedSets = new Map<string, Readonly<IncomingHttpHeaders>>();

/**
 * A frozen copy of `headers` without those that only served the handshake (what `client.headers`
 * holds). When every header kept is a commonly repeated one, a copy equal to an earlier one is
 * that same object.
 */
export function keptHeaders(headers: IncomingHttpHeaders): Readonly<IncomingHttpHeaders> {
  const kept: IncomingHttpHeaders = {};
  // Names and values, while every header kept so far is a repeated one: the set's key.
  let key: string | undefined = '';
  for (const name in headers) {
    if (HANDSHAKE_ONLY.has(name)) continue;
    const value = headers[name];
    if (typeof value === 'string' && REPEATED.has(name) && value.length <= SHARED_VALUE_MAX_LENGTH) {
      kept[name] = repeatedValues.share(value);
      // Neither a name nor a value from Node's parser holds a line break.
      if (key !== undefined) key += `${name}\n${value}\n`;
    } else {
      kept[name] = value;
      key = undefined;
    }
  }
  Object.freeze(kept);
  if (key === undefined) return kept;
  const known = sharedSets.get(key);
  if (known !== undefined) return known;
  // Starting over, as the table of values does: a flood of made-up sets costs no more than the bound.
  if (sharedSets.size >= SHARED_SETS_MAX) sharedSets.clear();
  sharedSets.set(key, kept);
  return kept;
}
