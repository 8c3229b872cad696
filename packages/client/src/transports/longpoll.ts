/**
 * Long polling over fetch: each GET is held until the server has messages, answered with a JSON
 * batch `{session, seq, messages}`; the next GET sends `seq` back, which acknowledges the batch.
 * A resume first checks the session with an empty POST (a held GET would not answer at once).
 */
import { decodeBase64 } from '../base64';
import { ClientError } from '../errors';
import { requireFetch, responseError, startHttpLink, transportUrl } from './http';
import type { Link, LinkContext } from './types';

interface Batch {
  session: string;
  seq: number;
  messages: (string | { base64: string })[];
}

const isBatch = (value: unknown): value is Batch => {
  const batch = value as Partial<Batch> | null;
  return typeof batch?.session === 'string' && typeof batch.seq === 'number' && Array.isArray(batch.messages);
};

/** True when the session still exists on the server (an empty POST gets 204), false on 404. */
async function sessionExists(context: LinkContext, signal: AbortSignal): Promise<boolean> {
  const response = await fetch(transportUrl(context, { session: context.resume.session }), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '[]',
    signal,
  });
  if (response.status === 404) return false;
  if (!response.ok) throw await responseError(response);
  return true;
}

/** The long-polling link. */
export function longpollLink(context: LinkContext): Link {
  const { resume } = context;
  return startHttpLink(context, async (control) => {
    requireFetch();
    if (resume.session !== undefined && !(await sessionExists(context, control.signal))) {
      resume.session = undefined;
      resume.seq = 0;
    }
    for (;;) {
      const params = resume.session === undefined ? {} : { session: resume.session, seq: resume.seq };
      const response = await fetch(transportUrl(context, params), { signal: control.signal, cache: 'no-store' });
      if (response.status === 410) {
        resume.session = undefined; // the server closed the session: the next link starts a new one
        resume.seq = 0;
        return { reason: 'the server closed the session', wasClean: true };
      }
      if (!response.ok) throw await responseError(response);
      const batch: unknown = await response.json();
      if (!isBatch(batch)) throw new ClientError('ERR_PROTOCOL', 'a long-poll answer is not a batch');
      [resume.session, resume.seq] = [batch.session, batch.seq];
      control.opened();
      for (const message of batch.messages) control.message(typeof message === 'string' ? message : decodeBase64(message.base64));
    }
  });
}
