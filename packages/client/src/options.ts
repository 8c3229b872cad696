/** The transports the client knows, by the names the server uses. */
export type TransportName = 'websocket' | 'sse' | 'xhr-multipart' | 'longpoll';

/** The default fallback order: the cheapest transport first, the one that works everywhere last. */
export const TRANSPORT_ORDER: readonly TransportName[] = Object.freeze(['websocket', 'sse', 'xhr-multipart', 'longpoll']);

/**
 * The little of a WebSocket the client uses, so the browser's `WebSocket` and the `ws` package's
 * both fit. Handlers take `never` so that either implementation's event types are accepted.
 */
export interface WebSocketLike {
  binaryType: string;
  /** The subprotocol the server selected; framed mode needs `grappler.v1`. */
  readonly protocol: string;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: `globalThis.WebSocket`, or `WebSocket` from the `ws` package in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Options of {@link connect}. Every one is optional. */
export interface ClientOptions {
  /**
   * Transports to try, in this order; the one that last worked for the server's origin is tried first.
   * @default ['websocket', 'sse', 'xhr-multipart', 'longpoll']
   */
  transports?: readonly TransportName[];
  /** The WebSocket implementation; pass `WebSocket` from `ws` in Node 20. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** Milliseconds a transport gets to open before the next one is tried. @default 5000 */
  probeTimeoutMs?: number;
  /** Milliseconds of the first reconnect delay's ceiling; doubled each attempt, with full jitter. @default 500 */
  reconnectDelayMs?: number;
  /** Milliseconds: the reconnect delay's ceiling never grows past this. @default 10000 */
  maxReconnectDelayMs?: number;
  /** Failed attempts in a row after which the client gives up and emits `close`. @default Infinity */
  maxReconnectAttempts?: number;
  /** Messages `send()` may queue while not open; past it `send()` throws a RangeError. @default 1000 */
  maxQueuedMessages?: number;
}

/** {@link ClientOptions} with every default filled in. */
export interface ResolvedClientOptions {
  transports: readonly TransportName[];
  WebSocket: WebSocketConstructor | undefined;
  probeTimeoutMs: number;
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  maxReconnectAttempts: number;
  maxQueuedMessages: number;
}

/** The defaults of the numeric options. */
export const CLIENT_DEFAULTS: Readonly<{
  probeTimeoutMs: number;
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  maxReconnectAttempts: number;
  maxQueuedMessages: number;
}> = Object.freeze({
  probeTimeoutMs: 5000, // a WebSocket upgrade a proxy swallows gives no error: wait this long, then fall back
  reconnectDelayMs: 500,
  maxReconnectDelayMs: 10_000,
  maxReconnectAttempts: Number.POSITIVE_INFINITY,
  maxQueuedMessages: 1000,
});

/** Merges `options` over the defaults; TypeError on an unknown transport or a negative number. */
export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  const transports = options.transports ?? TRANSPORT_ORDER;
  for (const name of transports) {
    if (!TRANSPORT_ORDER.includes(name)) throw new TypeError(`unknown transport ${JSON.stringify(name)}`);
  }
  if (transports.length === 0) throw new TypeError('transports must name at least one transport');
  const resolved: ResolvedClientOptions = {
    ...CLIENT_DEFAULTS,
    transports: [...new Set(transports)],
    WebSocket: options.WebSocket,
  };
  for (const key of Object.keys(CLIENT_DEFAULTS) as (keyof typeof CLIENT_DEFAULTS)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw new TypeError(`${key} must be a number >= 0`);
    resolved[key] = value;
  }
  return resolved;
}
