/**
 * Server-Sent Events over fetch (no EventSource, so it runs in Node 20 too and can send
 * Last-Event-ID itself): GET with Accept: text/event-stream, parse the stream as it arrives.
 * Event ids are `<session>.<seq>`; a reconnect sends the last one and gets what followed, once.
 */
import { decodeBase64 } from '../base64';
import { ClientError } from '../errors';
import { createSseParser } from '../parse/sse-parser';
import { openStreamResponse, readBody, requireFetch, startHttpLink, transportUrl } from './http';
import type { Link, LinkContext, ResumeState } from './types';

/** Splits an event id `<session>.<seq>`; undefined when it is not one. */
export function parseEventId(id: string): { session: string; seq: number } | undefined {
  const dot = id.lastIndexOf('.');
  const seq = Number(id.slice(dot + 1));
  return dot > 0 && /^\d+$/.test(id.slice(dot + 1)) ? { session: id.slice(0, dot), seq } : undefined;
}

const get = (context: LinkContext, signal: AbortSignal, resume: ResumeState): Promise<Response> => {
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (resume.session !== undefined) headers['Last-Event-ID'] = `${resume.session}.${resume.seq}`;
  return fetch(transportUrl(context), { headers, signal, cache: 'no-store' });
};

/** The SSE link. */
export function sseLink(context: LinkContext): Link {
  const { resume } = context;
  return startHttpLink(context, async (control) => {
    requireFetch();
    const response = await openStreamResponse(context, control.signal, get);
    if (resume.session !== undefined) control.opened();
    const parser = createSseParser();
    const decoder = new TextDecoder();
    await readBody(response, (chunk) => {
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
        const id = parseEventId(event.id);
        if (id && id.session === resume.session && id.seq <= resume.seq) continue; // already delivered
        if (id) [resume.session, resume.seq] = [id.session, id.seq];
        control.message(event.type === 'binary' ? decodeBase64(event.data) : event.data);
      }
      const last = parseEventId(parser.lastEventId);
      if (last && last.session !== resume.session) [resume.session, resume.seq] = [last.session, last.seq];
      if (resume.session !== undefined) control.opened();
      if (parser.error) throw new ClientError('ERR_PROTOCOL', parser.error);
      return true;
    });
    return { reason: 'the server ended the event stream', wasClean: true };
  });
}
