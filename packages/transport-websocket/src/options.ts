import type { IncomingMessage } from 'node:http';
import type { PerMessageDeflateOptions } from 'ws';
import type { RouteHandler } from './route';
import { WEBSOCKET_VERSIONS, type WebSocketVersion } from './select-version';

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
  /** Protocol versions to serve; others get 426. @default ['rfc6455', 'draft76', 'draft75'] */
  versions?: readonly WebSocketVersion[];
  /**
   * Hand each admitted upgrade to this request handler (a plain handler or an Express app) with
   * a pending WebSocket on the response (`pendingWebSocket(res)`, or `res.webSocket`): the route
   * accepts it with `connect()` or refuses it with an ordinary HTTP response.
   * @default none: every admitted upgrade is accepted
   */
  route?: RouteHandler;
  /** Largest header block of a draft-75/76 handshake, in bytes; larger ones get 400. @default 8192 */
  maxHeaderBytes?: number;
  /** Milliseconds for draft-76's key3 to arrive, or for a `route` to connect or answer. @default 10000 */
  handshakeTimeoutMs?: number;
  /**
   * Milliseconds a draft-75/76 connection's outbound queue may stay stuck before the peer is
   * taken for dead (the drafts have no ping frame). @default 30000
   */
  idleTimeoutMs?: number;
  /**
   * Milliseconds between pings of an RFC 6455 connection; one that has not answered a ping by the
   * next is terminated. The hub's heartbeat sends them, so this is rounded to a whole number of its
   * `pingInterval` (at least one). The hub's `pingInterval` (3 s) is the seed's interval for HTTP
   * clients; a WebSocket needs far fewer pings (Socket.IO sends one every 25 s, `ws` suggests 30 s),
   * and every ping costs each client a write and a read. @default 25000
   */
  pingIntervalMs?: number;
}

/** {@link WebSocketOptions} with every default filled in. */
export interface ResolvedWebSocketOptions {
  readonly path: string | undefined;
  readonly protocols: readonly string[] | SelectProtocol | undefined;
  readonly maxPayload: number | undefined;
  readonly perMessageDeflate: boolean | PerMessageDeflateOptions;
  readonly versions: ReadonlySet<WebSocketVersion>;
  readonly route: RouteHandler | undefined;
  readonly maxHeaderBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly pingIntervalMs: number;
}

/** Fills in defaults; a TypeError for an unknown version or a limit that is not a positive number. */
export function resolveWebSocketOptions(options: WebSocketOptions): ResolvedWebSocketOptions {
  const versions = new Set(options.versions ?? WEBSOCKET_VERSIONS);
  for (const version of versions) {
    if (!WEBSOCKET_VERSIONS.includes(version)) throw new TypeError(`versions: unknown WebSocket version "${version}"`);
  }
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const resolved = value ?? fallback;
    if (!(resolved > 0)) throw new TypeError(`${name} must be a positive number, got ${resolved}`);
    return resolved;
  };
  return {
    path: options.path,
    protocols: options.protocols,
    maxPayload: options.maxPayload === undefined ? undefined : positive('maxPayload', options.maxPayload, 0),
    perMessageDeflate: options.perMessageDeflate ?? false,
    versions,
    route: options.route,
    maxHeaderBytes: positive('maxHeaderBytes', options.maxHeaderBytes, 8192),
    handshakeTimeoutMs: positive('handshakeTimeoutMs', options.handshakeTimeoutMs, 10_000),
    idleTimeoutMs: positive('idleTimeoutMs', options.idleTimeoutMs, 30_000),
    pingIntervalMs: positive('pingIntervalMs', options.pingIntervalMs, 25_000),
  };
}

/** The protocol a draft client asked for, if the server allows it. */
export function allowedDraftProtocol(
  protocols: readonly string[] | SelectProtocol | undefined,
  requested: string | undefined,
  req: IncomingMessage,
): string | undefined {
  if (requested === undefined) return undefined;
  const chosen = protocolSelector(protocols)?.(new Set([requested]), req);
  return chosen === false || chosen === undefined ? undefined : chosen;
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
