import { HandshakeError } from './errors';
import { type OriginPattern, isOriginAllowed } from './origins';
import type { ConnectionMeta } from './transport';
import type { AcceptClient } from './hub';

/** What decides whether a connection may become a client. */
export interface AdmissionPolicy {
  readonly acceptClient: AcceptClient | undefined;
  readonly origins: readonly OriginPattern[];
  readonly maxClients: number;
  /** Clients connected now. */
  readonly clients: number;
  readonly onHookError: (error: unknown) => void;
}

/**
 * The checks every transport runs before writing a handshake byte, in the seed's order: the
 * accept hook sees the raw connection first, then the client cap, then the origin.
 */
export async function admitConnection(meta: ConnectionMeta, policy: AdmissionPolicy): Promise<HandshakeError | null> {
  try {
    if ((await policy.acceptClient?.(meta.socket, meta.req)) === false) {
      return new HandshakeError('ERR_REFUSED', null, 'refused by the accept hook');
    }
  } catch (error) {
    policy.onHookError(error);
    return new HandshakeError('ERR_REFUSED', null, 'the accept hook threw');
  }
  return limitRefusal(meta, policy.origins, policy.maxClients, policy.clients);
}

/** The checks after the accept hook, which need no waiting: the client cap, then the origin. */
export function limitRefusal(meta: ConnectionMeta, origins: readonly OriginPattern[], maxClients: number, clients: number): HandshakeError | null {
  if (clients >= maxClients) {
    return new HandshakeError('ERR_TOO_MANY_CLIENTS', 503, `maxClients reached (${maxClients})`);
  }
  const origin = meta.req.headers.origin ?? firstValue(meta.req.headers['sec-websocket-origin']);
  if (!isOriginAllowed(origin, origins)) {
    return new HandshakeError('ERR_ORIGIN', 403, `origin not allowed: ${origin ?? '(none)'}`);
  }
  return null;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
