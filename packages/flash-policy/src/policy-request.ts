/**
 * What Flash Player sends first on a socket it wants to open: the 22 ASCII characters of
 * `<policy-file-request/>` and a NUL. Pure: the socket code feeds it the bytes read so far.
 */

const REQUEST_TEXT = '<policy-file-request/>\0';

/**
 * The 23 bytes of a policy request, NUL included. A fresh copy per import; the classifier
 * compares against its own private text, so mutating this array cannot change a decision.
 */
export const POLICY_REQUEST: Uint8Array = Uint8Array.from(REQUEST_TEXT, (char) => char.charCodeAt(0));

/**
 * What the first bytes of a connection are, as far as they go:
 * - `'policy'`: they start with the full {@link POLICY_REQUEST} (anything after it is ignored);
 * - `'other'`: some byte differs from the request, e.g. the `G` of `GET` or TLS's `0x16`;
 * - `'undecided'`: they are a strict prefix of the request (or empty): read more.
 */
export type FirstBytes = 'policy' | 'other' | 'undecided';

/**
 * Classifies the bytes read so far from a fresh connection. Decides at the first differing
 * byte, so an HTTP or TLS client is handed on after one byte and never waits for 23.
 * @example classifyFirstBytes(Buffer.from('GET / HTTP/1.1')) // 'other'
 */
export function classifyFirstBytes(bytes: Uint8Array): FirstBytes {
  const length = Math.min(bytes.length, REQUEST_TEXT.length);
  for (let i = 0; i < length; i++) {
    if (bytes[i] !== REQUEST_TEXT.charCodeAt(i)) return 'other';
  }
  return bytes.length >= REQUEST_TEXT.length ? 'policy' : 'undecided';
}

/** True when the bytes start with the full policy request. */
export function isPolicyRequest(bytes: Uint8Array): boolean {
  return classifyFirstBytes(bytes) === 'policy';
}
