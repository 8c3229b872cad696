/**
 * Joining, leaving and publishing on behalf of a client, with the application's hooks:
 *
 *   join(client, channel)    -> name valid? maxChannelsPerClient? authorizeJoin -> member, `joined`
 *   leave(client, channel)   -> no longer a member, `left`
 *   publishFrom(client, ...) -> a member? beforePublish (may change or refuse) -> hub publish, `published`
 *
 * A refusal rejects with a GrapplerError; when a framed peer asked (`ref` is the number of its
 * command), it is also sent an `error` reply naming the code, the reason and the command.
 */
import type { ChannelRegistry } from './channels';
import type { Client } from './client';
import { GrapplerError, LimitExceededError } from './errors';
import type { ReplyFrame, UpstreamItem } from './framed';
import { type ChannelHooks, type Publication, refusalOf } from './hooks';

/** The longest channel name, in UTF-16 code units: names travel in every framed channel message. */
export const MAX_CHANNEL_NAME_LENGTH = 256;

/** What membership needs from its hub. */
export interface MembershipHost {
  readonly registry: ChannelRegistry;
  readonly hooks: ChannelHooks;
  readonly maxChannelsPerClient: number;
  /** Whether a client's publications carry `client.user` as their sender by default. */
  readonly publishSender: boolean;
  publish(channel: string, data: string | Uint8Array, sender: unknown): void;
  /** Sends a framed client a reply (a no-op for a raw client). */
  reply(client: Client, frame: ReplyFrame): void;
  /** A client became a member (the hub's `join` event). */
  joined(client: Client, channel: string): void;
  /** A client stopped being a member (the hub's `leave` event). */
  left(client: Client, channel: string): void;
}

export class Membership {
  readonly #host: MembershipHost;

  constructor(host: MembershipHost) {
    this.#host = host;
  }

  /** Carries out what a framed peer sent: a message, or a channel command numbered `ref`. */
  receive(client: Client, item: UpstreamItem, ref: number): void | Promise<void> {
    if (typeof item === 'string') {
      client.emit('message', item);
      return;
    }
    const done =
      item.t === 'join'
        ? this.join(client, item.c, ref)
        : item.t === 'leave'
          ? this.leave(client, item.c, ref)
          : this.publishFrom(client, item.c, item.d, ref);
    // The peer was told of a refusal; nothing is left to handle here.
    return done.catch(() => {});
  }

  async join(client: Client, channel: string, ref?: number): Promise<void> {
    const { registry, hooks, maxChannelsPerClient } = this.#host;
    this.#checkName(client, channel, ref);
    if (registry.has(channel, client)) {
      this.#host.reply(client, { t: 'joined', c: channel, ...(ref === undefined ? {} : { ref }) });
      return;
    }
    const count = registry.channelsOf(client).size;
    if (count >= maxChannelsPerClient) {
      throw this.#refuse(client, new LimitExceededError('maxChannelsPerClient', maxChannelsPerClient, count + 1), channel, ref);
    }
    if (hooks.authorizeJoin) {
      const reason = await refusalOf(() => hooks.authorizeJoin?.(client, channel), `not allowed to join ${channel}`);
      if (reason !== null) throw this.#refuse(client, new GrapplerError('ERR_FORBIDDEN', reason), channel, ref);
    }
    if (client.closed) return;
    if (!registry.add(channel, client)) return;
    this.#host.reply(client, { t: 'joined', c: channel, ...(ref === undefined ? {} : { ref }) });
    this.#host.joined(client, channel);
  }

  async leave(client: Client, channel: string, ref?: number): Promise<void> {
    this.#checkName(client, channel, ref);
    const wasMember = this.#host.registry.remove(channel, client);
    this.#host.reply(client, { t: 'left', c: channel, ...(ref === undefined ? {} : { ref }) });
    if (wasMember) this.#host.left(client, channel);
  }

  async publishFrom(client: Client, channel: string, data: string | Uint8Array, ref?: number): Promise<void> {
    const { registry, hooks, publishSender } = this.#host;
    this.#checkName(client, channel, ref);
    if (!registry.has(channel, client)) {
      throw this.#refuse(client, new GrapplerError('ERR_FORBIDDEN', `not a member of ${channel}: join it first`), channel, ref);
    }
    const publication: Publication = { data, sender: publishSender ? client.user : undefined };
    if (hooks.beforePublish) {
      const reason = await refusalOf(() => hooks.beforePublish?.(client, channel, publication), 'refused by beforePublish');
      if (reason !== null) throw this.#refuse(client, new GrapplerError('ERR_FORBIDDEN', reason), channel, ref);
    }
    this.#host.publish(channel, publication.data, publication.sender);
    // Tells a framed peer its publish went out (the members may not include it, or filter it).
    if (ref !== undefined) this.#host.reply(client, { t: 'published', c: channel, ref });
  }

  #checkName(client: Client, channel: string, ref: number | undefined): void {
    if (typeof channel === 'string' && channel.length > 0 && channel.length <= MAX_CHANNEL_NAME_LENGTH) return;
    const error = new GrapplerError('ERR_BAD_REQUEST', `a channel name is 1 to ${MAX_CHANNEL_NAME_LENGTH} characters`);
    throw this.#refuse(client, error, undefined, ref);
  }

  /** Tells a framed peer that asked why it was refused, and returns the error to throw. */
  #refuse(client: Client, error: GrapplerError, channel: string | undefined, ref: number | undefined): GrapplerError {
    if (ref !== undefined) {
      this.#host.reply(client, {
        t: 'error',
        code: error.code,
        message: error.message,
        ...(channel === undefined ? {} : { c: channel }),
        ref,
      });
    }
    return error;
  }
}
