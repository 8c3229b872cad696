export { connect } from './client';
export type { ChannelName, ClientEvents, ClientState, GrapplerClient } from './client-api';
export type { ChannelListener } from './channels';
export { ClientError, type ClientErrorCode } from './errors';
export {
  CLIENT_DEFAULTS,
  type ClientOptions,
  TRANSPORT_ORDER,
  type TransportName,
  type WebSocketConstructor,
  type WebSocketLike,
} from './options';
export type { ChannelMeta, Gap, MessageMeta } from './framed';
export type { CloseInfo } from './transports/types';
