import type { ClientError } from '../errors';
import type { ResolvedClientOptions, TransportName } from '../options';

/** How a connection ended, as the `close` event reports it. */
export interface CloseInfo {
  /** The WebSocket close code, when there was one. */
  code?: number;
  /** Why, in words. */
  reason: string;
  /** True when the peer ended the connection on purpose rather than it being cut. */
  wasClean: boolean;
}

/**
 * Where an HTTP transport resumes: its session and the last sequence number received in it.
 * Kept by the client across reconnects. Framed mode will add a hub-level cursor here.
 */
export interface ResumeState {
  session: string | undefined;
  seq: number;
  /** The upstream of the session: kept across links so a reconnect resends what was not acknowledged. */
  upstream: UpstreamState;
}

/** A POST's body and the number of its first message (`&up=`): resent as it is until acknowledged. */
export interface UpstreamBatch {
  up: number;
  readonly messages: string[];
}

/**
 * Messages POSTed in a session and not yet acknowledged. They are numbered from 1 per session so the
 * server can deliver each once however often a retry resends it; another session renumbers them.
 */
export interface UpstreamState {
  /** The session the batches are numbered in. */
  session: string | undefined;
  /** The number of the next message. */
  next: number;
  /** Oldest first; only the first is ever out. */
  batches: UpstreamBatch[];
}

/** What a link reports to the client. Nothing is called after `closed`. */
export interface LinkHandlers {
  /** The transport works: messages can flow both ways. */
  opened(): void;
  /** A message from the server. */
  message(data: string | Uint8Array): void;
  /** A problem that does not end the link (a failed POST). */
  error(error: ClientError): void;
  /**
   * The link ended by itself: before `opened` it failed to open. `unsent` are messages handed to
   * `send()` that never left, for the client to queue again.
   */
  closed(info: CloseInfo, error: ClientError | undefined, unsent: string[]): void;
}

/** One attempt to talk over one transport: made by a {@link LinkFactory}, ended by `close()` or by itself. */
export interface Link {
  /** Sends a message; only called after `opened`. */
  send(data: string): void;
  /** Ends the link at once, aborting every request; no handler is called after it. */
  close(): void;
}

/** What a link is made from. */
export interface LinkContext {
  readonly name: TransportName;
  /** The server's http(s) URL. */
  readonly url: URL;
  readonly options: ResolvedClientOptions;
  /** Mutable: the link updates it as messages arrive, so a later link can resume. */
  readonly resume: ResumeState;
  readonly handlers: LinkHandlers;
}

/** Makes a link; must not call a handler synchronously. */
export type LinkFactory = (context: LinkContext) => Link;
