/** Options every HTTP transport takes (`sseTransport(options)`, …). */
export interface HttpTransportOptions {
  /**
   * Serve this transport at this path (GET, POST and OPTIONS), with no query parameter needed.
   * @default every path, chosen by `?transport=<name>` (SSE also by `Accept: text/event-stream`)
   */
  path?: string;
  /** Bytes of already-sent messages a session keeps for a client that reconnects and resumes. @default 1 MiB */
  resumeWindowBytes?: number;
  /** Name of the session cookie set on a new session, or false for none. @default 'grappler.sid' */
  cookie?: string | false;
}

/** {@link HttpTransportOptions} with defaults filled in. */
export interface ResolvedHttpTransportOptions {
  readonly path: string | undefined;
  readonly resumeWindowBytes: number;
  readonly cookie: string | false;
}

/** Fills in defaults; a TypeError for a bad value. */
export function resolveHttpTransportOptions(options: HttpTransportOptions): ResolvedHttpTransportOptions {
  const resumeWindowBytes = options.resumeWindowBytes ?? 1 << 20;
  if (!(resumeWindowBytes >= 0)) throw new TypeError(`resumeWindowBytes must be a number of bytes, got ${resumeWindowBytes}`);
  const cookie = options.cookie ?? 'grappler.sid';
  if (cookie !== false && !/^[A-Za-z0-9._-]+$/.test(cookie)) throw new TypeError(`cookie: not a valid cookie name: ${cookie}`);
  if (options.path !== undefined && !options.path.startsWith('/')) throw new TypeError(`path must start with "/": ${options.path}`);
  return { path: options.path, resumeWindowBytes, cookie };
}
