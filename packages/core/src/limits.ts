/**
 * The hub's named limits. Each is on by default; `Infinity` means unlimited. Transports read
 * them through the hub, so one setting applies to every transport.
 */
export interface Limits {
  /** Largest inbound message in bytes; a WebSocket peer that sends more is closed with 1009. */
  maxMessageBytes: number;
  /** Outbound bytes a client may have queued before it is disconnected as too slow. */
  maxBufferedBytes: number;
  /** `client.write()` returns false once this many bytes are queued; `drain` follows when they flush. */
  highWaterMarkBytes: number;
  /** Connected clients at once; past it new connections are refused with 503. */
  maxClients: number;
  /** Largest HTTP request body (messages POSTed by HTTP clients); past it 413. */
  maxBodyBytes: number;
  /** Milliseconds an HTTP session may go without an open request before it expires (`close`). */
  sessionIdleMs: number;
  /**
   * Payload bytes of recent messages the hub keeps so that a framed client that reconnects is sent
   * what it missed (docs/framed-mode.md); a client that was away longer is told of a `gap`.
   */
  backlogBytes: number;
  /** Channels one client may be in at once; a join past it is refused (`ERR_TOO_MANY_CHANNELS`). */
  maxChannelsPerClient: number;
  /**
   * In a cluster (`sharedLog`): bytes of messages a node holds while the shared log is unreachable,
   * to append once it is back. Past it, messages reach only this node's plain clients (reported).
   */
  clusterQueueBytes: number;
}

/**
 * The defaults: 1 MiB messages (as `ws`) and bodies, 4 MiB of outbound buffer per client, 64 KiB
 * high-water mark, no client cap, 4 MiB of message log for resumes, 60 s for an HTTP client to
 * come back between requests (long enough for a slow mobile reconnect, short enough to free
 * abandoned sessions), and 4 MiB of messages held for a cluster's unreachable shared log.
 */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxMessageBytes: 1 << 20,
  maxBufferedBytes: 4 << 20,
  highWaterMarkBytes: 64 << 10,
  maxClients: Number.POSITIVE_INFINITY,
  maxBodyBytes: 1 << 20,
  sessionIdleMs: 60_000,
  backlogBytes: 4 << 20,
  maxChannelsPerClient: 128,
  clusterQueueBytes: 4 << 20,
});

/** Merges `overrides` over {@link DEFAULT_LIMITS}; a TypeError for unknown keys or values that are not positive numbers. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`unknown limit "${key}"`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
      throw new TypeError(`limit "${key}" must be a positive number (or Infinity), got ${String(value)}`);
    }
    limits[key as keyof Limits] = value;
  }
  return limits;
}
