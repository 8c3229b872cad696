export { type BodyError, parseMessages } from './body';
export { readCookie, sessionCookie } from './cookie';
export { corsHeaders, preflightHeaders } from './cors';
export { type HttpTransportSpec, type OpenContext, type ResumePoint, createHttpTransport } from './http-transport';
export type { HttpTransportOptions } from './options';
export { sessionsOf } from './registry';
export { PARAM, SESSION_HEADER, requestUrl, seqParam, upParam, wantsTransport } from './request-url';
export { respondError } from './respond';
export { type Downstream, type QueuedFrame, Session, type SessionSettings } from './session';
