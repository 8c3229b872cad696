/**
 * The client's upstream in framed mode (docs/framed-mode.md): messages numbered from 1 per resume
 * token, kept until the server acknowledges them (a POST's `X-Grappler-Up`, an `ack` frame, a
 * resumed `hello`'s `up`), so a link of any transport can resend what an earlier one left
 * unacknowledged and the server delivers each once.
 */

/** A message sent upstream and its number. */
export interface Outgoing {
  u: number;
  readonly data: string;
}

/** What the client has sent and the server has not acknowledged, oldest first. */
export interface Upstream {
  /** The number of the next new message. */
  next: number;
  readonly pending: Outgoing[];
}

/** An upstream with nothing sent yet. */
export function createUpstream(): Upstream {
  return { next: 1, pending: [] };
}

/** Numbers `data` and keeps it until acknowledged. */
export function enqueue(upstream: Upstream, data: string): Outgoing {
  const message = { u: upstream.next++, data };
  upstream.pending.push(message);
  return message;
}

/** The server delivered every message numbered up to `through`: forget them. */
export function acknowledge(upstream: Upstream, through: number): void {
  const { pending } = upstream;
  let count = 0;
  while (count < pending.length && pending[count]!.u <= through) count++;
  pending.splice(0, count);
}

/**
 * Numbers the pending messages again from `from`: from 1 when the server has forgotten the client
 * (a hello with `resumed` false), or where the server says it is when a POST's number skipped ahead.
 */
export function renumber(upstream: Upstream, from = 1): void {
  upstream.next = from;
  for (const message of upstream.pending) message.u = upstream.next++;
}

/** The first `count` pending messages were refused for good: the server never counted them, so later ones take their numbers. */
export function discard(upstream: Upstream, count: number): void {
  const first = upstream.pending[0]?.u ?? upstream.next;
  upstream.pending.splice(0, count);
  renumber(upstream, first);
}

/** A WebSocket frame carrying `message`: `{"u":7,"d":"text"}`. */
export function encodeUpstream(message: Outgoing): string {
  return JSON.stringify({ u: message.u, d: message.data });
}
