/**
 * The hub's bookkeeping of framed clients (docs/framed-mode.md): resume tokens, what each was
 * last told of its upstream, and the control frames that say it.
 *
 *   new framed client -> greet(): token, `hello` (resumed: false)
 *   resume(token)     -> byToken() -> cursorFor() -> greetResumed(): `hello` (resumed: true), `gap`
 *   WebSocket upstream {"u":n,...} -> receive(): numbered delivery, `ack` every ACK_EVERY_MESSAGES
 *   hub ticker        -> ackIfDue(): `ack` for what arrived since the last one
 */
import type { Client } from './client';
import { GrapplerError } from './errors';
import { type ControlFrame, isFramed, parseUpstreamEnvelope } from './framed';
import { createId } from './id';
import type { Connection } from './transport';

/** A framed WebSocket peer is acknowledged at least every this many messages (and on every tick). */
const ACK_EVERY_MESSAGES = 32;

interface FramedState {
  readonly token: string;
  /** The hub's newest number when the client connected: nothing older is ever replayed to it. */
  readonly since: number;
  /** The last upstream number the client was told of. */
  acked: number;
}

export class FramedClients {
  readonly #tokens = new Map<string, Client>();
  readonly #states = new WeakMap<Client, FramedState>();

  has(client: Client): boolean {
    return this.#states.has(client);
  }

  /** The live framed client holding `token`. */
  byToken(token: string): Client | undefined {
    return this.#tokens.get(token);
  }

  /** Makes `client` resumable and sends its `hello`; `seq` is the hub's newest number. */
  greet(client: Client, connection: Connection, seq: number): void {
    // `<client id>.<secret>`: another node of a cluster finds the client's record by it.
    const token = `${client.id}.${createId()}`;
    this.#tokens.set(token, client);
    this.#states.set(client, { token, since: seq, acked: 0 });
    control(connection, { t: 'hello', s: seq, id: client.id, token, resumed: false, up: 0 }, seq);
  }

  /** Takes over a framed client from another node: its token and first number stay what they were. */
  adopt(client: Client, token: string, since: number): void {
    this.#tokens.set(token, client);
    this.#states.set(client, { token, since, acked: client.upstream });
  }

  /** What another node needs to know to take the client over, or undefined for a raw client. */
  stateOf(client: Client): { readonly token: string; readonly since: number } | undefined {
    return this.#states.get(client);
  }

  /**
   * Where a resume starts: the client's cursor, clamped so that no one is replayed what was sent
   * before they connected, nor is told of numbers that do not exist yet.
   */
  cursorFor(client: Client, seq: number, newest: number): number {
    const since = this.#states.get(client)?.since ?? newest;
    return Math.min(Math.max(Number.isSafeInteger(seq) ? seq : 0, since), newest);
  }

  /** The `hello` of a resumed client, and the `gap` if the log no longer holds all it missed. */
  greetResumed(client: Client, connection: Connection, cursor: number, gap: { from: number; to: number } | undefined): void {
    const state = this.#states.get(client)!;
    state.acked = client.upstream;
    control(connection, { t: 'hello', s: cursor, id: client.id, token: state.token, resumed: true, up: client.upstream }, cursor);
    if (gap) control(connection, { t: 'gap', s: gap.to, from: gap.from }, gap.to);
  }

  /**
   * A framed WebSocket peer's upstream `{"u":n,...}`: delivered once, in order. Anything else, or
   * a number that skips ahead, is an ERR_PROTOCOL error (returned, for the hub to report); a
   * skip is answered with an `ack` saying how far the client got, so it can number again.
   */
  receive(client: Client, connection: Connection, text: string): GrapplerError | undefined {
    const envelope = parseUpstreamEnvelope(text);
    if (envelope && client.receiveNumbered(envelope.u, [envelope.item])) {
      if (client.upstream - (this.#states.get(client)?.acked ?? 0) >= ACK_EVERY_MESSAGES) this.#ack(client, connection);
      return undefined;
    }
    if (envelope) this.#ack(client, connection);
    const why = envelope ? `message ${envelope.u} skips ahead of ${client.upstream + 1}` : 'not a framed message {"u":n,...} (docs/framed-mode.md)';
    return new GrapplerError('ERR_PROTOCOL', `framed upstream: ${why}`);
  }

  /** The transport acknowledged the upstream itself (an HTTP POST's `X-Grappler-Up`): no `ack` frame is due. */
  acknowledged(client: Client): void {
    const state = this.#states.get(client);
    if (state) state.acked = client.upstream;
  }

  /** Called by the hub's ticker: an `ack` for what arrived since the last one. */
  ackIfDue(client: Client, connection: Connection): void {
    const state = this.#states.get(client);
    if (state && client.upstream > state.acked) this.#ack(client, connection);
  }

  /** The client is gone for good: its token no longer resumes it. */
  forget(client: Client): void {
    const state = this.#states.get(client);
    if (state) this.#tokens.delete(state.token);
  }

  #ack(client: Client, connection: Connection): void {
    this.#states.get(client)!.acked = client.upstream;
    control(connection, { t: 'ack', up: client.upstream }, undefined);
  }
}

function control(connection: Connection, frame: ControlFrame, seq: number | undefined): void {
  if (isFramed(connection.format)) connection.write(connection.format.encodeControl(frame), seq);
}
