export { Client, type ClientEvents, type ConnectionInfo } from './client';
export { LOG, type LogLevel, STATE } from './constants';
export { type GrapplerErrorCode, GrapplerError, HandshakeError, LimitExceededError, isGrapplerError } from './errors';
export { type AcceptClient, type AttachOptions, Hub, type HubEvents, type HubOptions, type PublishOptions, type Target, createHub } from './hub';
export { createId } from './id';
export { DEFAULT_LIMITS, type Limits, resolveLimits } from './limits';
export {
  type ControlFrame,
  FRAMED_PROTOCOL,
  type FramedWireFormat,
  type ReplyFrame,
  type UpstreamEnvelope,
  type UpstreamItem,
  encodeEnvelope,
  framedFormat,
  isFramed,
  parseUpstreamEnvelope,
  parseUpstreamItem,
} from './framed';
export type { Channel, ClusterChannel } from './channels';
export type { ChannelHooks, Publication, Verdict } from './hooks';
export { MAX_CHANNEL_NAME_LENGTH } from './membership';
export type { MessageStamp } from './message';
export { OutboundMessage } from './message';
export { type OriginPattern, allowsAnyOrigin, isOriginAllowed, parseOrigins } from './origins';
export { interceptEvent } from './intercept';
export { rejectSocket } from './reject-socket';
export { type TickEndListener, atTickEnd, corkUntilRun, currentTick } from './tick-cork';
export type { ClientRecord, KeyValueStore, SetOptions, Storage } from './storage';
export { compileGlob, matchesGlob } from './glob';
export type { SharedAddressing, SharedLog, SharedLogAppend, SharedLogEntry, SharedLogRange } from './shared-log';
export { type MemoryCluster, type MemoryClusterOptions, memoryCluster } from './memory-shared-log';
export type {
  CloseReason,
  Connection,
  ConnectionEvents,
  ConnectionMeta,
  HubPort,
  ResumeRequest,
  Transport,
  WireFormat,
} from './transport';
