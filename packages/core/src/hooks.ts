/**
 * The application's hooks into channels (Comet.js's sender identification, submit-before-emit
 * and emit-time filter). Each may answer at once or with a promise. A hook that returns `false`,
 * or throws, refuses; the error's message is the reason the sender is given.
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from './client';
import type { OutboundMessage } from './message';

/** A hook's answer: `false` refuses; anything else (`true`, `undefined`) lets it through. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook written `async () => { ... }` returns Promise<void>
export type Verdict = boolean | undefined | void;

/** A message a client publishes, as `beforePublish` may change it. */
export interface Publication {
  /** What the members receive; replace it to transform the message. */
  data: string | Uint8Array;
  /**
   * Who sent it, as the members see it (`from` in framed mode). Starts as `client.user` when the
   * hub's `publishSender` is true, else undefined; set it to send an identity along.
   */
  sender: unknown;
}

/** Hooks of {@link HubOptions}; every one is optional. */
export interface ChannelHooks {
  /**
   * Who is connecting, from the request that opens the connection (a cookie, a token): becomes
   * `client.user`. Runs with the accept hook, before any handshake byte; a throw refuses the
   * connection with 403.
   */
  identify?(req: IncomingMessage): unknown;
  /** May `client` join `channel`? */
  authorizeJoin?(client: Client, channel: string): Verdict | Promise<Verdict>;
  /**
   * Runs before anyone receives what `client` publishes to `channel`: change `message.data` or
   * `message.sender`, store it, or refuse it.
   */
  beforePublish?(client: Client, channel: string, message: Publication): Verdict | Promise<Verdict>;
  /**
   * Decides per recipient, when a broadcast or a publish is delivered, whether `recipient` gets
   * `message` (an ignore list). Messages wait, in order, while a filter answers with a promise.
   */
  filter?(recipient: Client, message: OutboundMessage): Verdict | Promise<Verdict>;
}

/**
 * Runs a hook and turns its answer into a refusal reason (a string) or null. A throw is a
 * refusal with the error's message.
 */
export async function refusalOf(run: () => Verdict | Promise<Verdict>, refused: string): Promise<string | null> {
  try {
    return (await run()) === false ? refused : null;
  } catch (error) {
    return error instanceof Error && error.message ? error.message : refused;
  }
}
