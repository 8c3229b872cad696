import type { ClientError } from '../errors';
import type { StreamPosition } from '../framed';
import type { ResolvedClientOptions, TransportName } from '../options';
import type { Outgoing, Upstream } from '../upstream';

/** How a connection ended, as the `close` event reports it. */
export interface CloseInfo {
  /** The WebSocket close code, when there was one. */
  code?: number;
  /** Why, in words. */
  reason: string;
  /** True when the peer ended the connection on purpose rather than it being cut. */
  wasClean: boolean;
}

/** What a link reports to the client. Nothing is called after `closed`. */
export interface LinkHandlers {
  /** One framed-mode frame (a JSON text) from the server, in order; the client reads it. */
  frame(text: string): void;
  /** A problem that does not end the link (a failed POST). */
  error(error: ClientError): void;
  /** The link ended by itself; before the client saw its `hello`, it failed to open. */
  closed(info: CloseInfo, error: ClientError | undefined): void;
}

/** One attempt to talk over one transport: made by a {@link LinkFactory}, ended by `close()` or by itself. */
export interface Link {
  /**
   * Sends a numbered message; only called after the link's `hello`, first with every message still
   * unacknowledged. HTTP links POST whatever `upstream` holds, so they need not keep `message`.
   */
  send(message: Outgoing): void;
  /** Ends the link at once, aborting every request; no handler is called after it. */
  close(): void;
}

/** What a link is made from. */
export interface LinkContext {
  readonly name: TransportName;
  /** The server's http(s) URL. */
  readonly url: URL;
  readonly options: ResolvedClientOptions;
  /** The client's place in the stream now: its token and cursor open (resume) a connection, and each long poll. */
  position(): StreamPosition;
  /** The client's unacknowledged messages, shared by every link: HTTP links POST them and acknowledge them. */
  readonly upstream: Upstream;
  readonly handlers: LinkHandlers;
}

/** Makes a link; must not call a handler synchronously. */
export type LinkFactory = (context: LinkContext) => Link;
