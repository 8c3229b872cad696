export { type ClientEvents, type ClientState, type GrapplerClient, connect } from './client';
export { ClientError, type ClientErrorCode } from './errors';
export {
  CLIENT_DEFAULTS,
  type ClientOptions,
  TRANSPORT_ORDER,
  type TransportName,
  type WebSocketConstructor,
  type WebSocketLike,
} from './options';
export type { Gap } from './framed';
export type { CloseInfo } from './transports/types';
