/** The value of one cookie in a `Cookie` header; undefined when absent. Malformed pairs are skipped. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    if (pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * The session cookie, for clients that can carry the id no other way (a page POSTing beside a
 * native EventSource). HttpOnly: scripts never need it; SameSite=Lax: other sites cannot post
 * with it; Secure under TLS.
 */
export function sessionCookie(name: string, id: string, secure: boolean): string {
  return `${name}=${id}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
