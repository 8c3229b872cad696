import type { Limits } from './limits';

/** Every error grappler reports carries one of these codes; core's README says what each means on the wire. */
export type GrapplerErrorCode =
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_BUFFER_FULL'
  | 'ERR_TOO_MANY_CLIENTS'
  | 'ERR_PROTOCOL'
  | 'ERR_ORIGIN'
  | 'ERR_REFUSED'
  | 'ERR_HANDSHAKE'
  | 'ERR_UNKNOWN_SESSION'
  | 'ERR_BAD_REQUEST'
  | 'ERR_SESSION_EXPIRED'
  | 'ERR_HEARTBEAT_TIMEOUT'
  | 'ERR_STORAGE'
  | 'ERR_CLOSED'
  | 'ERR_FORBIDDEN'
  | 'ERR_TOO_MANY_CHANNELS';

/** The base class of every error grappler emits or rejects with. */
export class GrapplerError extends Error {
  override name = 'GrapplerError';
  readonly code: GrapplerErrorCode;
  constructor(code: GrapplerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const CODE_FOR_LIMIT: Readonly<Record<keyof Limits, GrapplerErrorCode>> = {
  maxMessageBytes: 'ERR_MESSAGE_TOO_LARGE',
  maxBufferedBytes: 'ERR_BUFFER_FULL',
  highWaterMarkBytes: 'ERR_BUFFER_FULL',
  maxClients: 'ERR_TOO_MANY_CLIENTS',
  maxBodyBytes: 'ERR_MESSAGE_TOO_LARGE',
  sessionIdleMs: 'ERR_SESSION_EXPIRED',
  backlogBytes: 'ERR_BUFFER_FULL',
  maxChannelsPerClient: 'ERR_TOO_MANY_CHANNELS',
  clusterQueueBytes: 'ERR_STORAGE',
};

/** A named limit was passed: `limit` is the option's name, `max` its value, `actual` what was seen (when known). */
export class LimitExceededError extends GrapplerError {
  override name = 'LimitExceededError';
  readonly limit: keyof Limits;
  readonly max: number;
  readonly actual: number | undefined;
  constructor(limit: keyof Limits, max: number, actual?: number) {
    super(CODE_FOR_LIMIT[limit], `${limit} exceeded: ${actual === undefined ? 'more than' : `${actual} >`} ${max}`);
    this.limit = limit;
    this.max = max;
    this.actual = actual;
  }
}

/**
 * A connection was refused before it became a client. `status` is the HTTP status the peer
 * gets, or `null` when the socket is dropped with nothing written (the accept hook said no).
 */
export class HandshakeError extends GrapplerError {
  override name = 'HandshakeError';
  readonly status: 400 | 403 | 426 | 503 | null;
  constructor(code: GrapplerErrorCode, status: 400 | 403 | 426 | 503 | null, message: string) {
    super(code, message);
    this.status = status;
  }
}

/** Checks name and code rather than `instanceof`, so a second copy of core in node_modules still matches. */
export function isGrapplerError(value: unknown): value is GrapplerError {
  if (!(value instanceof Error)) return false;
  const code: unknown = (value as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_') && /^(Grappler|LimitExceeded|Handshake)Error$/.test(value.name);
}
