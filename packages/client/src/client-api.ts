/**
 * The client's public surface: its states, its events and their arguments, and the interface
 * `connect()` returns. client.ts implements it.
 */
import type { ChannelListener } from './channels';
import type { ClientError } from './errors';
import type { ChannelMeta, Gap, MessageMeta } from './framed';
import type { TransportName } from './options';
import type { CloseInfo } from './transports/types';

/** The client's state. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Events of a {@link GrapplerClient}, with their arguments. */
export interface ClientEvents {
  /** The first transport opened; later opens emit `reconnect`. */
  open: [];
  /**
   * A message from the server that is not a channel's: a string, or bytes for a binary message,
   * and its stamp (id, time, sender). Channel messages go to their listeners and `channel` instead.
   */
  message: [data: string | Uint8Array, meta: MessageMeta];
  /** A message published to channel `name`, after that channel's own listeners (`on(name, listener)`). */
  channel: [name: string, data: string | Uint8Array, meta: ChannelMeta];
  /**
   * Messages numbered `from`..`to` may have been addressed to this client and are lost: the server
   * no longer held them when it resumed, or it had forgotten the client. `to` is undefined when the
   * extent is unknown (the server restarted and numbers from 1 again).
   */
  gap: [gap: Gap];
  /** The client is closed for good: `close()` was called, or it gave up reconnecting. */
  close: [info: CloseInfo];
  /**
   * Something failed: a transport could not open, a POST failed, a stream was malformed, or the
   * server refused a channel command (the server's `code` and reason, and `channel`).
   */
  error: [error: ClientError];
  /** A new attempt will start in `delayMs` ms; `attempt` counts failures in a row from 1. */
  reconnecting: [info: { attempt: number; delayMs: number }];
  /** A transport opened again after a drop. */
  reconnect: [];
  /** A transport failed to open and the next one is tried. */
  transport: [change: { from: TransportName; to: TransportName }];
}

/**
 * `N` when it can name a channel's listeners: any string but the name of a client event (listen to
 * a channel called `message` or `error` through the `channel` event).
 */
export type ChannelName<N extends string> = N extends keyof ClientEvents ? never : N;

/** The client. Make one with `connect()`. */
export interface GrapplerClient {
  /** Where the client is: `connecting` until the first open, `reconnecting` after a drop. */
  readonly state: ClientState;
  /** The transport in use while open (or being tried), undefined once closed. */
  readonly transport: TransportName | undefined;
  /** The server's id for this client (its `client.id`), from the last `hello`; undefined before the first. */
  readonly id: string | undefined;
  /**
   * Sends a text message. While not open it is queued, in order, and sent on open; every message is
   * kept until the server acknowledges it, and sent again after a drop, on whatever transport is in use.
   * @throws RangeError when not open and `maxQueuedMessages` messages are queued or unacknowledged;
   * ClientError `ERR_CLOSED` after `close()`.
   */
  send(data: string): void;
  /** The channels the client is in, as the server's replies said (a copy). */
  readonly channels: ReadonlySet<string>;
  /**
   * Joins channel `name`: queued, numbered and resent like a message. Resolves on the server's
   * `joined`; rejects with the server's refusal (a ClientError with its `code`, also emitted as
   * `error`). The client is joined again to its channels when the server has forgotten it.
   * @throws TypeError unless `name` has 1 to 256 characters; as {@link send} when queued or closed.
   * @example
   * client.on('room', (text, { from }) => show(from, text));
   * await client.join('room');
   */
  join(name: string): Promise<void>;
  /** Leaves channel `name`; resolves on the server's `left`. Throws as {@link join}. */
  leave(name: string): Promise<void>;
  /**
   * Publishes `data` to channel `name` (the client must be in it). Resolves once the server has it
   * (acknowledged); rejects when the server's refusal (`beforePublish`, not a member) comes first.
   * A refusal is always emitted as `error`, also one that comes after the promise resolved.
   * Throws as {@link join}.
   */
  publish(name: string, data: string): Promise<void>;
  /** Closes the client: aborts requests, clears every timer, rejects unanswered commands, emits `close` once. */
  close(): void;
  /** Adds a listener of a client event. */
  on<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this;
  /** Adds a listener of channel `channel`'s messages (any name but a client event's). */
  on<N extends string>(channel: ChannelName<N>, listener: ChannelListener): this;
  /** Removes a listener. */
  off<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this;
  /** Removes a listener of a channel. */
  off<N extends string>(channel: ChannelName<N>, listener: ChannelListener): this;
}

/** The client's event names: any other name given to `on()` is a channel's. */
export const EVENT_NAMES: ReadonlySet<string> = new Set(
  Object.keys({ open: 0, message: 0, channel: 0, gap: 0, close: 0, error: 0, reconnecting: 0, reconnect: 0, transport: 0 } satisfies Record<keyof ClientEvents, 0>),
);
