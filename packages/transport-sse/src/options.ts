import type { HttpTransportOptions } from '@grappler/http-session';

/** Options of {@link sseTransport}: the HTTP session options plus what SSE sends first. */
export interface SseOptions extends HttpTransportOptions {
  /**
   * Milliseconds a native `EventSource` waits before it reconnects, sent as the stream's
   * `retry:` field. Short, because a reconnect resumes where it left off (`Last-Event-ID`).
   * @default 2000
   */
  retryMs?: number;
  /**
   * Bytes of comment sent before anything else, for proxies and old browsers (IE's
   * `XDomainRequest`) that buffer the first 2 KiB of a response; 2048 serves those.
   * @default 0
   */
  paddingBytes?: number;
}

/** The SSE-specific options with defaults filled in. */
export interface ResolvedSseOptions {
  readonly retryMs: number;
  readonly paddingBytes: number;
}

/** Defaults of the SSE-specific options. */
export const SSE_DEFAULTS: Readonly<ResolvedSseOptions> = Object.freeze({ retryMs: 2000, paddingBytes: 0 });

/** Fills in defaults; a TypeError for a value that is not a whole, non-negative number. */
export function resolveSseOptions(options: SseOptions): ResolvedSseOptions {
  const whole = (name: string, value: number | undefined, fallback: number): number => {
    const resolved = value ?? fallback;
    if (!Number.isSafeInteger(resolved) || resolved < 0) throw new TypeError(`${name} must be a whole number >= 0, got ${resolved}`);
    return resolved;
  };
  return {
    retryMs: whole('retryMs', options.retryMs, SSE_DEFAULTS.retryMs),
    paddingBytes: whole('paddingBytes', options.paddingBytes, SSE_DEFAULTS.paddingBytes),
  };
}
