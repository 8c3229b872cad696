import type { IncomingHttpHeaders } from 'node:http';

/** The WebSocket protocols grappler speaks; `client.version` is one of these. */
export type WebSocketVersion = 'rfc6455' | 'draft76' | 'draft75';

/** Every version, in the order they were published, newest first. */
export const WEBSOCKET_VERSIONS: readonly WebSocketVersion[] = Object.freeze(['rfc6455', 'draft76', 'draft75']);

/**
 * Which protocol a handshake speaks: `Sec-WebSocket-Version` (8 or 13; `ws` answers any other
 * value) means RFC 6455; `Sec-WebSocket-Key1`/`Key2` mean draft-76 (even if one is missing:
 * the handshake check then refuses it); neither means draft-75.
 */
export function selectVersion(headers: IncomingHttpHeaders): WebSocketVersion {
  if (headers['sec-websocket-version'] !== undefined) return 'rfc6455';
  if (headers['sec-websocket-key1'] !== undefined || headers['sec-websocket-key2'] !== undefined) return 'draft76';
  return 'draft75';
}
