/**
 * The client's upstream in framed mode (docs/framed-mode.md): messages and channel commands
 * numbered from 1 per resume token, kept until the server acknowledges them (a POST's
 * `X-Grappler-Up`, an `ack` frame, a resumed `hello`'s `up`, a reply naming a command), so a link
 * of any transport can resend what an earlier one left unacknowledged and the server delivers
 * each once.
 *
 *   enqueue --> pending --acknowledged--> a message: forgotten
 *                  |                      a command: awaiting its reply --reply--> settled
 *                  \--reply naming it (joined, left, published, error)--> settled, resolved or refused
 *   a new server-side client (hello `resumed` false): re-joins, then what awaits a reply, then
 *   what is pending, all numbered again from 1
 */
import type { ClientError } from './errors';

/** A channel command's type, as on the wire. */
export type Command = 'join' | 'leave' | 'publish';

/** Something sent upstream: a message, or a channel command, and its number. */
export interface Outgoing {
  u: number;
  /** A message's text, or what a publish carries; empty for join and leave. */
  readonly data: string;
  /** A channel command; undefined for a message. */
  readonly t?: Command;
  /** The command's channel. */
  readonly c?: string;
  /** Settles the caller's promise: without an argument when done, with the reason when refused. Called once. */
  settle?: ((error?: ClientError) => void) | undefined;
}

/** What the client has sent and the server has not acknowledged or answered, oldest first. */
export interface Upstream {
  /** The number of the next new message. */
  next: number;
  /** Not acknowledged yet; numbers consecutive, ending at `next - 1`. */
  readonly pending: Outgoing[];
  /** Commands acknowledged but not answered yet (their `joined`, `left`, `published` or `error` reply). */
  readonly awaiting: Outgoing[];
}

/** An upstream with nothing sent yet. */
export function createUpstream(): Upstream {
  return { next: 1, pending: [], awaiting: [] };
}

/** Numbers `data` (a message, or with `command` a channel command) and keeps it until acknowledged. */
export function enqueue(upstream: Upstream, data: string, command?: Pick<Outgoing, 't' | 'c' | 'settle'>): Outgoing {
  const message: Outgoing = { u: upstream.next++, data, ...command };
  upstream.pending.push(message);
  return message;
}

/**
 * The server delivered everything numbered up to `through`: messages are forgotten, commands
 * (join, leave, publish) wait for their reply: only that says whether the hooks let them through.
 */
export function acknowledge(upstream: Upstream, through: number): void {
  const { pending } = upstream;
  let count = 0;
  while (count < pending.length && pending[count]!.u <= through) count++;
  for (const message of pending.splice(0, count)) {
    if (message.t) upstream.awaiting.push(message);
    else settle(message);
  }
}

/**
 * The server answered command `ref` (settled with `error` when it refused it): it and everything
 * before it were delivered. Returns the command, unless it was already settled or `ref` is not
 * a number this client sent.
 */
export function answer(upstream: Upstream, ref: number, error?: ClientError): Outgoing | undefined {
  if (ref >= upstream.next) return undefined;
  const command = upstream.awaiting.find((m) => m.u === ref) ?? upstream.pending.find((m) => m.u === ref);
  const done = command?.settle;
  if (command) command.settle = undefined; // the acknowledgement below must not settle it as done
  acknowledge(upstream, ref);
  const index = command ? upstream.awaiting.indexOf(command) : -1;
  if (index >= 0) upstream.awaiting.splice(index, 1);
  done?.(error);
  return command;
}

/**
 * Numbers the pending messages again from `from`: from 1 when the server has forgotten the client
 * (a hello with `resumed` false), or where the server says it is when a POST's number skipped ahead.
 */
export function renumber(upstream: Upstream, from = 1): void {
  upstream.next = from;
  for (const message of upstream.pending) message.u = upstream.next++;
}

/**
 * The server has forgotten the client (a hello with `resumed` false): a new client, in no channel.
 * The joins of `channels` go first, then the commands still awaiting a reply (it will not come),
 * then what is pending, all numbered again from 1.
 */
export function restart(upstream: Upstream, channels: Iterable<string> = []): void {
  const rejoins = [...channels].map((c): Outgoing => ({ u: 0, data: '', t: 'join', c }));
  upstream.pending.unshift(...rejoins, ...upstream.awaiting.splice(0));
  renumber(upstream);
}

/**
 * The first `count` pending messages were refused for good (their commands settled with `error`):
 * the server never counted them, so later ones take their numbers.
 */
export function discard(upstream: Upstream, count: number, error?: ClientError): void {
  const first = upstream.pending[0]?.u ?? upstream.next;
  for (const message of upstream.pending.splice(0, count)) settle(message, error);
  renumber(upstream, first);
}

/** Settles every command, pending or awaiting, with `error` (the client closed), and forgets everything. */
export function abandon(upstream: Upstream, error: ClientError): void {
  for (const message of [...upstream.awaiting.splice(0), ...upstream.pending.splice(0)]) settle(message, error);
}

function settle(message: Outgoing, error?: ClientError): void {
  const done = message.settle;
  message.settle = undefined;
  done?.(error);
}

/** An HTTP POST body entry: a message's text, or a command `{"t":"join","c":"room"}` (with `d` for a publish). */
export function encodeItem(message: Outgoing): string | { t: Command; c: string; d?: string } {
  const { t, c, data } = message;
  if (t === undefined) return data;
  return t === 'publish' ? { t, c: c!, d: data } : { t, c: c! };
}

/** A WebSocket frame carrying `message`: `{"u":7,"d":"text"}`, `{"u":8,"t":"join","c":"room"}`. */
export function encodeUpstream(message: Outgoing): string {
  const item = encodeItem(message);
  return JSON.stringify(typeof item === 'string' ? { u: message.u, d: item } : { u: message.u, ...item });
}
