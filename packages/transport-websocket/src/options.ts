import type { IncomingMessage } from 'node:http';
import type { PerMessageDeflateOptions } from 'ws';

/** Chooses a subprotocol from those the client offered (in its order of preference), or false for none. */
export type SelectProtocol = (offered: ReadonlySet<string>, req: IncomingMessage) => string | false;

/** Options of {@link websocketTransport}. */
export interface WebSocketOptions {
  /** Serve upgrades on this path only (the query string is ignored). @default every path */
  path?: string;
  /**
   * Subprotocols the server speaks, in its order of preference, or a function that picks one.
   * A client that offers none of them is still connected, with no protocol.
   * @default none
   */
  protocols?: readonly string[] | SelectProtocol;
  /** Largest inbound message in bytes; larger frames close the connection with 1009. @default the hub's `maxMessageBytes` (1 MiB) */
  maxPayload?: number;
  /**
   * permessage-deflate (RFC 7692). Off by default: it costs memory per connection and CPU per
   * message, and a compressed broadcast must be deflated once per socket. @default false
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/** Picks the server's first supported protocol among those offered. */
export function protocolSelector(protocols: readonly string[] | SelectProtocol | undefined): SelectProtocol | undefined {
  if (protocols === undefined || typeof protocols === 'function') return protocols;
  const supported = [...protocols];
  return (offered) => supported.find((protocol) => offered.has(protocol)) ?? false;
}

/** Whether a request's path is the one the transport serves. */
export function pathMatches(path: string | undefined, url: string | undefined): boolean {
  if (path === undefined) return true;
  const pathname = (url ?? '/').split('?', 1)[0];
  return pathname === path;
}
