/** What went wrong, as the `code` of a {@link ClientError}. */
export type ClientErrorCode =
  /** The transport's API (WebSocket, fetch streaming) is missing in this environment. */
  | 'ERR_TRANSPORT_UNAVAILABLE'
  /** A transport could not open: upgrade refused, HTTP error, network error. */
  | 'ERR_CONNECT'
  /** A transport sent nothing usable within `probeTimeoutMs`. */
  | 'ERR_PROBE_TIMEOUT'
  /** A POST of outgoing messages failed; those messages were not delivered. */
  | 'ERR_SEND'
  /** The server sent a stream or body the client cannot parse. */
  | 'ERR_PROTOCOL'
  /** `send()`, `join()`, `leave()` or `publish()` after `close()`; a command still unanswered when the client closed. */
  | 'ERR_CLOSED'
  /**
   * An error code sent by the server: in a JSON error body (`ERR_ORIGIN`, `ERR_UNKNOWN_SESSION`), or
   * refusing a channel command (`ERR_FORBIDDEN`, `ERR_TOO_MANY_CHANNELS`, `ERR_BAD_REQUEST`).
   */
  | (string & {});

/** The client's error type: every `error` event carries one, with a `code` to branch on. */
export class ClientError extends Error {
  override name = 'GrapplerClientError';
  /** What went wrong; see {@link ClientErrorCode}. */
  readonly code: ClientErrorCode;
  /** The HTTP status, when the error came from an HTTP answer. */
  readonly status: number | undefined;
  /** The channel of a refused channel command. */
  readonly channel: string | undefined;

  constructor(code: ClientErrorCode, message: string, options: { cause?: unknown; status?: number; channel?: string | undefined } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.channel = options.channel;
  }
}

/** Wraps anything thrown (a fetch TypeError, an AbortError) as a ClientError with `code`, keeping `cause`. */
export function toClientError(error: unknown, code: ClientErrorCode = 'ERR_CONNECT'): ClientError {
  if (error instanceof ClientError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ClientError(code, message, { cause: error });
}
