/**
 * What the three HTTP transports share: their URLs, reading a streamed body, turning an error
 * answer into a ClientError, and the upstream: POSTs of JSON arrays of strings, one at a time
 * so that order holds, batching whatever `send()` got while the previous POST was out or in the
 * same tick.
 */
import { ClientError, toClientError } from '../errors';
import type { CloseInfo, Link, LinkContext } from './types';

/** The URL of a transport request: the server's URL plus `transport` and the given parameters. */
export function transportUrl(context: LinkContext, params: Record<string, string | number | undefined> = {}): string {
  const url = new URL(context.url.href);
  url.searchParams.set('transport', context.name);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, String(value));
  return url.href;
}

/** Throws ERR_TRANSPORT_UNAVAILABLE when this environment cannot stream a fetch body. */
export function requireFetch(): void {
  if (typeof fetch !== 'function' || typeof ReadableStream !== 'function' || typeof AbortController !== 'function') {
    throw new ClientError('ERR_TRANSPORT_UNAVAILABLE', 'fetch with streaming bodies is not available');
  }
}

/** A ClientError for a non-2xx answer: the server's `{"error": code}` when it sent one. */
export async function responseError(response: Response): Promise<ClientError> {
  let code = 'ERR_CONNECT';
  let message = `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string') message = `${message}: ${body.message}`;
  } catch {
    /* not JSON: keep the status alone */
  }
  return new ClientError(code, message, { status: response.status });
}

/** Reads a body chunk by chunk until it ends; rejects when the connection is cut or aborted. */
export async function readBody(response: Response, onChunk: (chunk: Uint8Array) => boolean): Promise<void> {
  if (!response.body) throw new ClientError('ERR_TRANSPORT_UNAVAILABLE', 'the response has no readable body');
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !onChunk(value)) return;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** The upstream of an HTTP link. */
export interface Poster {
  /** Queues a message for the next POST. */
  send(data: string): void;
  /** Stops sending and returns what was never POSTed; a POST already out completes. */
  stop(): string[];
  /** Stops and aborts a POST that is out. */
  abort(): void;
}

/** Creates the upstream of an HTTP link, POSTing to the session `session()` returns. */
export function createPoster(context: LinkContext, session: () => string | undefined): Poster {
  const controller = new AbortController();
  let pending: string[] = [];
  let posting = false;
  let stopped = false;

  const flush = async (): Promise<void> => {
    while (pending.length > 0 && !stopped) {
      const batch = pending;
      pending = [];
      try {
        const response = await fetch(transportUrl(context, { session: session() }), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(batch),
          signal: controller.signal,
        });
        if (!response.ok) throw await responseError(response);
      } catch (error) {
        if (controller.signal.aborted) return;
        const cause = toClientError(error, 'ERR_SEND');
        const failure = new ClientError('ERR_SEND', `${batch.length} message(s) were not delivered: ${cause.message}`, { cause });
        context.handlers.error(failure);
      }
    }
  };

  const schedule = (): void => {
    if (posting || stopped) return;
    posting = true;
    // A microtask, not a timer: messages sent in the same tick go out in one POST.
    queueMicrotask(() => {
      flush().finally(() => {
        posting = false;
        if (pending.length > 0) schedule();
      });
    });
  };

  return {
    send(data) {
      pending.push(data);
      schedule();
    },
    stop() {
      stopped = true;
      const unsent = pending;
      pending = [];
      return unsent;
    },
    abort() {
      stopped = true;
      pending = [];
      controller.abort();
    },
  };
}

/** What an HTTP link's body sees of its lifecycle. */
export interface HttpLinkControl {
  /** Aborted when the link ends: pass it to every fetch. */
  readonly signal: AbortSignal;
  /** Reports the link open (once). */
  opened(): void;
  /** Delivers a message, unless the link has ended. */
  message(data: string | Uint8Array): void;
}

/**
 * Runs an HTTP link's downstream `run` and wraps it as a {@link Link}: when `run` resolves the
 * server ended the stream (a drop to resume from); when it rejects the link failed.
 */
export function startHttpLink(context: LinkContext, run: (control: HttpLinkControl) => Promise<CloseInfo>): Link {
  const controller = new AbortController();
  const poster = createPoster(context, () => context.resume.session);
  let active = true;
  let open = false;
  const control: HttpLinkControl = {
    signal: controller.signal,
    opened() {
      if (!active || open) return;
      open = true;
      context.handlers.opened();
    },
    message(data) {
      if (active) context.handlers.message(data);
    },
  };
  const end = (info: CloseInfo, error?: ClientError): void => {
    if (!active) return;
    active = false;
    controller.abort();
    context.handlers.closed(info, error, poster.stop());
  };
  queueMicrotask(() => {
    run(control).then(
      (info) => end(info),
      (thrown: unknown) => {
        const error = toClientError(thrown);
        end({ reason: error.message, wasClean: false }, error);
      },
    );
  });
  return {
    send: (data) => poster.send(data),
    close() {
      active = false;
      controller.abort();
      poster.abort();
    },
  };
}
