/**
 * XHR multipart streaming over fetch: one long multipart/x-mixed-replace response, one part per
 * message (`X-Grappler-Seq` numbers it in the session). Resume with `?session=&seq=`.
 */
import { ClientError } from '../errors';
import { createMultipartParser, parseMultipartBoundary } from '../parse/multipart-parser';
import { openStreamResponse, readBody, requireFetch, startHttpLink, transportUrl } from './http';
import type { Link, LinkContext, ResumeState } from './types';

const get = (context: LinkContext, signal: AbortSignal, resume: ResumeState): Promise<Response> =>
  fetch(transportUrl(context, resume.session === undefined ? {} : { session: resume.session, seq: resume.seq }), {
    signal,
    cache: 'no-store',
  });

/** Text parts are UTF-8; binary messages are always `application/octet-stream` (base64 on the wire). */
const decodePart = (contentType: string | undefined, body: Uint8Array): string | Uint8Array =>
  contentType?.startsWith('application/octet-stream') ? body : new TextDecoder().decode(body);

/** The XHR multipart link. */
export function xhrMultipartLink(context: LinkContext): Link {
  const { resume } = context;
  return startHttpLink(context, async (control) => {
    requireFetch();
    const response = await openStreamResponse(context, control.signal, get);
    const boundary = parseMultipartBoundary(response.headers.get('Content-Type'));
    if (!boundary) throw new ClientError('ERR_PROTOCOL', 'the multipart response names no boundary');
    if (resume.session === undefined) throw new ClientError('ERR_PROTOCOL', 'the response carries no X-Grappler-Session');
    control.opened();
    const parser = createMultipartParser(boundary);
    await readBody(response, (chunk) => {
      for (const part of parser.push(chunk)) {
        if (part.ping) continue;
        if (part.seq !== undefined) {
          if (part.seq <= resume.seq) continue; // already delivered
          resume.seq = part.seq;
        }
        control.message(decodePart(part.headers['content-type'], part.body));
      }
      if (parser.error) throw new ClientError('ERR_PROTOCOL', parser.error);
      return !parser.ended;
    });
    return { reason: 'the server ended the multipart stream', wasClean: true };
  });
}
