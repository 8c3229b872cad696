export {
  type LastEventId,
  SSE_BINARY_EVENT,
  SSE_FORMAT,
  SSE_PING,
  commentLine,
  encodeSseBinary,
  encodeSseText,
  paddingComment,
  parseLastEventId,
  retryField,
  sseIdLine,
} from './format';
export { type ResolvedSseOptions, SSE_DEFAULTS, type SseOptions, resolveSseOptions } from './options';
export { LAST_EVENT_ID_PARAM, sseResumePoint, sseTransport } from './transport';
