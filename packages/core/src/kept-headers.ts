import type { IncomingHttpHeaders } from 'node:http';

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

/** A copy of `headers` without those that only served the handshake (what `client.headers` holds). */
export function keptHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (!HANDSHAKE_ONLY.has(name)) kept[name] = headers[name];
  }
  return kept;
}
