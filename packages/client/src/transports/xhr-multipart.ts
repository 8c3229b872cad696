/**
 * XHR multipart streaming over fetch: one long multipart/x-mixed-replace response opened with
 * `?transport=xhr-multipart&mode=framed` (plus `&resume=&seq=` once the client has a token); the
 * body of each part is one server frame, ping parts carry none. A reconnect opens a new session.
 */
import { ClientError } from '../errors';
import { createMultipartParser, parseMultipartBoundary } from '../parse/multipart-parser';
import { openSession, readBody, requireFetch, startHttpLink } from './http';
import type { Link, LinkContext } from './types';

/** The XHR multipart link. */
export function xhrMultipartLink(context: LinkContext): Link {
  return startHttpLink(context, async (control) => {
    requireFetch();
    const response = await openSession(context, control);
    const boundary = parseMultipartBoundary(response.headers.get('Content-Type'));
    if (!boundary) throw new ClientError('ERR_PROTOCOL', 'the multipart response names no boundary');
    if (control.session === undefined) throw new ClientError('ERR_PROTOCOL', 'the response carries no X-Grappler-Session');
    const parser = createMultipartParser(boundary);
    const decoder = new TextDecoder();
    await readBody(response, (chunk) => {
      for (const part of parser.push(chunk)) if (!part.ping) control.frame(decoder.decode(part.body));
      if (parser.error) throw new ClientError('ERR_PROTOCOL', parser.error);
      return !parser.ended && !control.signal.aborted;
    });
    return { reason: 'the server ended the multipart stream', wasClean: true };
  });
}
