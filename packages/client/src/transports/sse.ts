/**
 * Server-Sent Events over fetch (no EventSource, so it runs in Node 20 too): GET
 * `?transport=sse&mode=framed` (plus `&resume=&seq=` once the client has a token) with
 * Accept: text/event-stream, parsed as it arrives. Each event's data is one server frame. A
 * reconnect opens a new session that resumes the client; event ids are `<session>.<seq>`, read
 * only for the session id when the answer's X-Grappler-Session header is not readable.
 */
import { ClientError } from '../errors';
import { createSseParser } from '../parse/sse-parser';
import { openSession, readBody, requireFetch, startHttpLink } from './http';
import type { Link, LinkContext } from './types';

/** Splits an event id `<session>.<seq>`; undefined when it is not one. */
export function parseEventId(id: string): { session: string; seq: number } | undefined {
  const dot = id.lastIndexOf('.');
  const seq = Number(id.slice(dot + 1));
  return dot > 0 && /^\d+$/.test(id.slice(dot + 1)) ? { session: id.slice(0, dot), seq } : undefined;
}

/** The SSE link. */
export function sseLink(context: LinkContext): Link {
  return startHttpLink(context, async (control) => {
    requireFetch();
    const response = await openSession(context, control, { Accept: 'text/event-stream' });
    const parser = createSseParser();
    const decoder = new TextDecoder();
    await readBody(response, (chunk) => {
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
        control.session ??= parseEventId(event.id)?.session;
        control.frame(event.data);
      }
      if (parser.error) throw new ClientError('ERR_PROTOCOL', parser.error);
      return !control.signal.aborted;
    });
    return { reason: 'the server ended the event stream', wasClean: true };
  });
}
