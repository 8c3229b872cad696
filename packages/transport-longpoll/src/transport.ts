import type { Transport } from '@grappler/core';
import {
  type Downstream,
  type HttpTransportOptions,
  type OpenContext,
  type Session,
  createHttpTransport,
  requestUrl,
  seqParam,
} from '@grappler/http-session';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LONGPOLL_FORMAT } from './format';
import { HeldPoll } from './poll';

/**
 * XHR long polling: each GET is held until the session has messages (all of them go out in
 * one JSON response) or `pingInterval` passes; the client polls again with `?session=&seq=`,
 * acknowledging what it received. Sessions, POSTed messages, CORS and expiry come from
 * `@grappler/http-session`.
 * @example
 * const hub = createHub({ transports: [longpollTransport({ path: '/poll' })] });
 * hub.attach(server); // GET /poll -> {"session":"…","seq":0,"messages":[]}
 */
export function longpollTransport(options: HttpTransportOptions = {}): Transport {
  return createHttpTransport({ name: 'longpoll', format: LONGPOLL_FORMAT, frameBytes, open: openPoll }, options);
}

function frameBytes(frame: Buffer): number {
  return frame.length;
}

function openPoll(req: IncomingMessage, res: ServerResponse, session: Session<Buffer>, context: OpenContext): Downstream<Buffer> {
  return new HeldPoll(res, session.id, seqParam(requestUrl(req)) ?? 0, context, context.created);
}
