/**
 * The client's side of channels: checking a name, and what a reply (joined, left, error) means
 * for the channels the client is in and for the command it answers.
 *
 *   joined (with or without ref) --> in the channel     left --> out of it     published --> sent
 *   error naming a join          --> out of it; the refusal comes back, to emit and to reject with
 *   a reply's ref                --> the command it answers settles; everything before it was delivered
 */
import { ClientError } from './errors';
import type { ChannelMeta, Reply } from './framed';
import { type Upstream, answer } from './upstream';

/** The longest channel name, in UTF-16 code units, as the server allows it. */
export const MAX_CHANNEL_NAME_LENGTH = 256;

/** A listener of one channel's messages: a string, or bytes for a binary message, and its stamp. */
export type ChannelListener = (data: string | Uint8Array, meta: ChannelMeta) => void;

/** Throws a TypeError unless `name` is a channel name: a string of 1 to 256 characters. */
export function checkChannelName(name: unknown): void {
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_CHANNEL_NAME_LENGTH) {
    throw new TypeError(`a channel name is a string of 1 to ${MAX_CHANNEL_NAME_LENGTH} characters`);
  }
}

/**
 * Acts on a reply: updates `joined` (the channels the client is in, as the server's replies say,
 * in order) and settles the command it answers. A refusal comes back, to be emitted.
 */
export function applyReply(upstream: Upstream, joined: Set<string>, reply: Reply): ClientError | undefined {
  const error = reply.t === 'error' ? new ClientError(reply.code, reply.message, { channel: reply.c }) : undefined;
  const command = reply.ref === undefined ? undefined : answer(upstream, reply.ref, error);
  if (reply.t === 'joined') joined.add(reply.c);
  else if (reply.t === 'left') joined.delete(reply.c);
  else if (command?.t === 'join') joined.delete(command.c!);
  return error;
}
