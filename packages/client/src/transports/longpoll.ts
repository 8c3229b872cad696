/**
 * Long polling over fetch: each GET is held until the server has frames, answered with a JSON
 * batch `{session, seq, messages}` whose messages are server frames (JSON texts). The first GET
 * opens a session (`mode=framed`, plus `&resume=&seq=` once the client has a token); the next ones
 * continue it with `?session=<id>&seq=<cursor>`, which acknowledges what arrived. A session the
 * server no longer has (404, 410) ends the link, and the reconnect resumes the client in a new one.
 */
import { ClientError } from '../errors';
import { openSession, requireFetch, responseError, startHttpLink, transportUrl } from './http';
import type { Link, LinkContext } from './types';

interface Batch {
  session: string;
  messages: string[];
}

const isBatch = (value: unknown): value is Batch => {
  const batch = value as Partial<Batch> | null;
  return typeof batch?.session === 'string' && Array.isArray(batch.messages) && batch.messages.every((m) => typeof m === 'string');
};

/** The long-polling link. */
export function longpollLink(context: LinkContext): Link {
  return startHttpLink(context, async (control) => {
    requireFetch();
    let response = await openSession(context, control);
    for (;;) {
      const batch: unknown = await response.json();
      if (!isBatch(batch)) throw new ClientError('ERR_PROTOCOL', 'a long-poll answer is not a batch of frames');
      control.session = batch.session;
      for (const frame of batch.messages) control.frame(frame);
      if (control.signal.aborted) return { reason: 'closed', wasClean: true };
      const params = { session: control.session, seq: context.position().cursor };
      response = await fetch(transportUrl(context, params), { signal: control.signal, cache: 'no-store' });
      if (response.status === 404 || response.status === 410) return { reason: `the server ended the session (${response.status})`, wasClean: true };
      if (!response.ok) throw await responseError(response);
    }
  });
}
