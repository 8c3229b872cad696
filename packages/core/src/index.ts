export { Client, type ClientEvents, type ConnectionInfo } from './client';
export { LOG, type LogLevel, STATE } from './constants';
export { type GrapplerErrorCode, GrapplerError, HandshakeError, LimitExceededError, isGrapplerError } from './errors';
export { type AcceptClient, type AttachOptions, Hub, type HubEvents, type HubOptions, createHub } from './hub';
export { createId } from './id';
export { DEFAULT_LIMITS, type Limits, resolveLimits } from './limits';
export {
  type ControlFrame,
  FRAMED_PROTOCOL,
  type FramedWireFormat,
  type UpstreamEnvelope,
  encodeEnvelope,
  framedFormat,
  isFramed,
  parseUpstreamEnvelope,
} from './framed';
export { OutboundMessage } from './message';
export { type OriginPattern, allowsAnyOrigin, isOriginAllowed, parseOrigins } from './origins';
export { rejectSocket } from './reject-socket';
export type { ClientRecord, KeyValueStore, SetOptions, Storage } from './storage';
export type {
  AttachedConnection,
  CloseReason,
  Connection,
  ConnectionEvents,
  ConnectionMeta,
  HubPort,
  ResumeRequest,
  Transport,
  WireFormat,
} from './transport';
