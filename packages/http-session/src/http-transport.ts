/**
 * The request handling the three HTTP transports share; each supplies only its wire format and
 * how it writes a response (an `HttpTransportSpec`).
 *
 *   Origin not allowed -> 403, no session        OPTIONS -> CORS preflight
 *   POST  -> the session (query, X-Grappler-Session or cookie) -> body -> `message` events
 *   GET with a session (query/header, or the spec's resume point) -> resume: the response
 *          becomes the session's downstream, unacknowledged frames first
 *   GET without one -> hub.admit (accept hook, maxClients, origins) -> new session and Client;
 *          with `mode=framed` the session speaks framed mode, and `resume=<token>&seq=` attaches it
 *          to that framed client instead (docs/framed-mode.md)
 */
import {
  type ConnectionMeta,
  type HubPort,
  LOG,
  type ResumeRequest,
  STATE,
  type Transport,
  type UpstreamItem,
  type WireFormat,
  createId,
  framedFormat,
  isFramed,
} from '@grappler/core';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { parseMessages } from './body';
import { readCookie, sessionCookie } from './cookie';
import { corsHeaders, preflightHeaders } from './cors';
import { type HttpTransportOptions, type ResolvedHttpTransportOptions, resolveHttpTransportOptions } from './options';
import { readBody } from './read-body';
import { sessionsOf } from './registry';
import { PARAM, type RequestTarget, SESSION_HEADER, requestUrl, seqParam, upParam, wantsTransport } from './request-url';
import { respondError } from './respond';
import { type Downstream, Session } from './session';

/** Where a request says its session is, and the last seq the client has. */
export interface ResumePoint {
  readonly sessionId: string;
  readonly seq: number | undefined;
}

/** What a transport learns when it opens a response. */
export interface OpenContext {
  /** True for a new session's first response. */
  readonly created: boolean;
  /** Headers the response must carry: CORS, the session id, the cookie of a new session. */
  readonly headers: OutgoingHttpHeaders;
  readonly pingInterval: number;
  /** How long the transport may write in one go, in a turn of its own (the hub's `fanOutSliceMs`). */
  readonly sliceMs: number;
}

/** What makes one HTTP transport different from the others. */
export interface HttpTransportSpec<Frame> {
  readonly name: 'sse' | 'xhr-multipart' | 'longpoll';
  readonly format: WireFormat<Frame>;
  frameBytes(frame: Frame): number;
  /** A resume point beyond `?session=&seq=` (SSE reads `Last-Event-ID`). */
  resumePoint?(req: IncomingMessage): ResumePoint | undefined;
  /** Writes the response head and returns the session's downstream for it. */
  open(req: IncomingMessage, res: ServerResponse, session: Session<Frame>, context: OpenContext): Downstream<Frame>;
}

/** Builds a Transport from a spec and the user's options. */
export function createHttpTransport<Frame>(spec: HttpTransportSpec<Frame>, options: HttpTransportOptions = {}): Transport {
  const settings = resolveHttpTransportOptions(options);
  return {
    name: spec.name,
    matches: (req) => wantsTransport(spec.name, req, requestUrl(req), settings.path),
    handleRequest(req, res, hub) {
      serve(spec, settings, req, res, hub).catch((error: unknown) => {
        hub.log(`${spec.name}: ${String(error)}`, LOG.ERROR);
        respondError(res, 500, 'ERR_INTERNAL', 'internal error');
      });
    },
  };
}

async function serve<Frame>(
  spec: HttpTransportSpec<Frame>,
  settings: ResolvedHttpTransportOptions,
  req: IncomingMessage,
  res: ServerResponse,
  hub: HubPort,
): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined && !hub.allowsOrigin(origin)) {
    return respondError(res, 403, 'ERR_ORIGIN', `origin not allowed: ${origin}`);
  }
  const cors = corsHeaders(origin);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, preflightHeaders(origin, req.headers)).end();
    return;
  }
  const url = requestUrl(req);
  if (req.method === 'POST') return post(settings, url, req, res, hub, cors);
  if (req.method !== 'GET') {
    return respondError(res, 405, 'ERR_BAD_REQUEST', 'use GET, POST or OPTIONS', { ...cors, Allow: 'GET, POST, OPTIONS' });
  }
  const point = spec.resumePoint?.(req) ?? queryPoint(url, req);
  if (point) return resume(spec, point, req, res, hub, cors);
  return create(spec, settings, url, req, res, hub, cors);
}

function queryPoint(url: RequestTarget, req: IncomingMessage): ResumePoint | undefined {
  const header = req.headers[SESSION_HEADER];
  const sessionId = url.searchParams.get(PARAM.session) ?? (typeof header === 'string' ? header : undefined);
  return sessionId ? { sessionId, seq: seqParam(url) } : undefined;
}

function resume<Frame>(
  spec: HttpTransportSpec<Frame>,
  point: ResumePoint,
  req: IncomingMessage,
  res: ServerResponse,
  hub: HubPort,
  cors: Record<string, string>,
): void {
  const session = sessionsOf(hub).get(point.sessionId) as Session<Frame> | undefined;
  if (!session || session.closed) {
    respondError(res, 404, 'ERR_UNKNOWN_SESSION', 'unknown or expired session: start a new one (a request with no session)', cors);
    return;
  }
  if (session.transport !== spec.name) {
    respondError(res, 400, 'ERR_BAD_REQUEST', `this session uses ${session.transport}, not ${spec.name}`, cors);
    return;
  }
  const headers = { ...cors, 'X-Grappler-Session': session.id };
  openDownstream(spec, req, res, session, { created: false, headers, pingInterval: hub.pingInterval, sliceMs: hub.fanOutSliceMs }, point.seq);
}

/** `mode=framed`, and the framed client to resume (`resume=<token>&seq=<cursor>`) if any. */
function framedRequest(url: RequestTarget): { framed: boolean; resume: ResumeRequest | undefined } {
  const framed = url.searchParams.get(PARAM.mode) === 'framed';
  const token = url.searchParams.get(PARAM.resume);
  return { framed, resume: framed && token ? { token, seq: seqParam(url) ?? 0 } : undefined };
}

async function create<Frame>(
  spec: HttpTransportSpec<Frame>,
  settings: ResolvedHttpTransportOptions,
  url: RequestTarget,
  req: IncomingMessage,
  res: ServerResponse,
  hub: HubPort,
  cors: Record<string, string>,
): Promise<void> {
  const { framed, resume } = framedRequest(url);
  const meta: ConnectionMeta = { transport: spec.name, req, socket: req.socket, protocol: STATE.PROTO_HTTP, ...(resume && { resume }) };
  const refusal = await hub.admit(meta);
  if (refusal) {
    if (refusal.status === null) req.socket.destroy();
    else respondError(res, refusal.status, refusal.code, refusal.message, cors);
    return;
  }
  const sessions = sessionsOf(hub);
  const session: Session<Frame> = new Session(
    createId(),
    spec.name,
    framed ? framedFormat(spec.format) : spec.format,
    {
      resumeWindowBytes: settings.resumeWindowBytes,
      sessionIdleMs: hub.limits.sessionIdleMs,
      highWaterMarkBytes: hub.limits.highWaterMarkBytes,
      frameBytes: (frame) => spec.frameBytes(frame as Frame),
    },
    (gone) => sessions.delete(gone.id),
  );
  sessions.set(session.id, session as Session<unknown>);
  session.bind(hub.events, hub.attach(session, meta));
  const secure = (req.socket as TLSSocket).encrypted === true;
  const headers: OutgoingHttpHeaders = { ...cors, 'X-Grappler-Session': session.id };
  if (settings.cookie !== false) headers['Set-Cookie'] = sessionCookie(settings.cookie, session.id, secure);
  openDownstream(spec, req, res, session, { created: true, headers, pingInterval: hub.pingInterval, sliceMs: hub.fanOutSliceMs }, undefined);
}

function openDownstream<Frame>(
  spec: HttpTransportSpec<Frame>,
  req: IncomingMessage,
  res: ServerResponse,
  session: Session<Frame>,
  context: OpenContext,
  resumeAfter: number | undefined,
): void {
  const downstream = spec.open(req, res, session, context);
  res.on('close', () => session.detach(downstream));
  // A streaming response that filled up tells the session when it has room again.
  res.on('drain', () => session.flushed());
  session.onTerminate = (ended) => {
    if (ended === downstream) res.destroy();
  };
  session.open(downstream, resumeAfter);
  // The client may have hung up while the hub admitted it: 'close' has fired already.
  if (req.socket.destroyed) session.detach(downstream);
}

async function post(
  settings: ResolvedHttpTransportOptions,
  url: RequestTarget,
  req: IncomingMessage,
  res: ServerResponse,
  hub: HubPort,
  cors: Record<string, string>,
): Promise<void> {
  const header = req.headers[SESSION_HEADER];
  const id =
    url.searchParams.get(PARAM.session) ??
    (typeof header === 'string' ? header : undefined) ??
    (settings.cookie === false ? undefined : readCookie(req.headers.cookie, settings.cookie));
  const session = id === undefined ? undefined : sessionsOf(hub).get(id);
  const token = url.searchParams.get(PARAM.resume);
  const first = upParam(url);
  if ((!session || session.closed) && token && first !== undefined && hub.forwardUpstream) {
    return forward(hub, token, first, req, res, cors);
  }
  if (!session || session.closed) {
    // Connection: close, so an unread body cannot be taken for the next request.
    return respondError(res, 404, 'ERR_UNKNOWN_SESSION', 'unknown or expired session: start a new one', cors, true);
  }
  const messages = await readMessages(req, res, hub, cors, isFramed(session.format));
  if (!messages) return;
  // A framed session numbers every message: one POSTed without `up` comes next.
  const number = first ?? (isFramed(session.format) ? session.upstream + 1 : undefined);
  if (number === undefined) {
    // Unnumbered means a raw session, whose bodies hold strings only.
    for (const message of messages) if (typeof message === 'string') session.receive(message);
    res.writeHead(204, cors).end();
    return;
  }
  if (!session.receiveNumbered(number, messages)) {
    return respondError(res, 400, 'ERR_BAD_REQUEST', `message ${number} skips ahead: expected at most ${session.upstream + 1}`, {
      ...cors,
      'X-Grappler-Up': String(session.upstream),
    });
  }
  res.writeHead(204, { ...cors, 'X-Grappler-Up': String(session.upstream) }).end();
}

/**
 * A framed client's numbered POST for a session this node does not hold (in a cluster, the
 * session is on another node): the hub passes it on to whichever node holds the client, which
 * delivers each number once. 202: taken, not yet delivered (so no `X-Grappler-Up`).
 */
async function forward(hub: HubPort, token: string, first: number, req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
  const items = await readMessages(req, res, hub, cors, true);
  if (!items) return;
  if (!(await hub.forwardUpstream?.(token, first, items))) {
    return respondError(res, 404, 'ERR_UNKNOWN_SESSION', 'unknown or expired session: start a new one', cors);
  }
  res.writeHead(202, cors).end();
}

/**
 * Reads a POST's body into its messages (`commands`: a framed session's channel commands too),
 * or answers why not (413 past maxBodyBytes, 400/415) and resolves undefined; also undefined
 * when the client hung up.
 */
async function readMessages(
  req: IncomingMessage,
  res: ServerResponse,
  hub: HubPort,
  cors: Record<string, string>,
  commands: boolean,
): Promise<UpstreamItem[] | undefined> {
  const body = await readBody(req, hub.limits.maxBodyBytes);
  if (body === 'aborted') return undefined;
  if (body === 'too-large') {
    respondError(res, 413, 'ERR_MESSAGE_TOO_LARGE', `the body exceeds maxBodyBytes (${hub.limits.maxBodyBytes})`, cors, true);
    return undefined;
  }
  const messages = parseMessages(req.headers['content-type'], body, commands);
  if (Array.isArray(messages)) return messages;
  respondError(res, messages.status, 'ERR_BAD_REQUEST', messages.message, cors);
  return undefined;
}
