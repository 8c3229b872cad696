/**
 * What the three HTTP transports share: their URLs, reading a streamed body, turning an error
 * answer into a ClientError, and the upstream: POSTs of JSON arrays of strings (messages) and
 * channel commands (`{"t":"join","c":"room"}`), one at a time so that order holds, each carrying
 * the client-level number of its first item (`&up=`).
 *
 *   send() --(microtask)--> POST the oldest unacknowledged messages, &up=<first number>
 *     2xx: acknowledged up to X-Grappler-Up (all of it without one: another node of a cluster took it)
 *     | 5xx, network error: again after backoff
 *     404: the session is gone, wait for the next link | 400 with X-Grappler-Up below: renumber from there
 *     another 4xx: dropped with ERR_SEND, later messages take their numbers
 *   link ends: the POST out is aborted; its messages, unacknowledged, go first on the next link of
 *   any transport (the server skips numbers it delivered).
 */
import { backoffDelayMs } from '../backoff';
import { ClientError, toClientError } from '../errors';
import { resumeQuery } from '../framed';
import { acknowledge, discard, encodeItem, renumber } from '../upstream';
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
  /** POSTs what the client's upstream holds, now or after the POST that is out. */
  send(): void;
  /** Stops, aborting a POST that is out; its messages stay in the upstream, unacknowledged. */
  stop(): void;
}

/** Statuses worth retrying: the server may deliver the same body later (it skips what it already has). */
const retryable = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/** Characters of message text per POST: well below the servers' default `maxBodyBytes` (1 MiB). */
const BATCH_CHARS = 1 << 16;

/** The oldest pending messages and commands as POST body entries, up to about {@link BATCH_CHARS} (always at least one). */
function nextBatch(context: LinkContext): ReturnType<typeof encodeItem>[] {
  const batch: ReturnType<typeof encodeItem>[] = [];
  let chars = 0;
  for (const message of context.upstream.pending) {
    const size = message.data.length + (message.c?.length ?? 0);
    if (batch.length > 0 && chars + size > BATCH_CHARS) break;
    batch.push(encodeItem(message));
    chars += size;
  }
  return batch;
}

/**
 * Creates the upstream of an HTTP link, POSTing to the session `session()` names. One POST is out at
 * a time, so order holds; one that fails (network error, 5xx) is retried after the client's backoff.
 */
export function createPoster(context: LinkContext, session: () => string | undefined): Poster {
  const { upstream, options, handlers } = context;
  const controller = new AbortController();
  let running = false;
  let stopped = false;
  let gone = false; // the server answered 404: POST nothing more on this link
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** POSTs the oldest messages: true when that settled them (acknowledged, or refused for good), false to stop. */
  const postFirst = async (): Promise<boolean> => {
    const batch = nextBatch(context);
    const first = upstream.pending[0]!.u;
    let failure: ClientError;
    try {
      // The resume token lets any node of a cluster take the POST, not only the one holding the session.
      const token = context.position().token;
      const response = await fetch(transportUrl(context, { session: session(), up: first, ...(token === undefined ? {} : { resume: token }) }), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(batch),
        signal: controller.signal,
      });
      if (stopped) return false; // the next link sends them again; the server skips what it has
      const header = response.headers.get('X-Grappler-Up');
      const delivered = header === null ? Number.NaN : Number(header);
      if (response.ok) {
        acknowledge(upstream, Number.isSafeInteger(delivered) ? delivered : first + batch.length - 1);
        failures = 0;
        return true;
      }
      failure = await responseError(response);
      if (response.status === 404) {
        gone = true; // the messages wait for the next link
        handlers.error(failure);
        return false;
      }
      if (response.status === 400 && Number.isSafeInteger(delivered) && delivered + 1 < first) {
        renumber(upstream, delivered + 1); // the server is behind our numbers: continue from where it is
        return true;
      }
      if (!retryable(response.status)) {
        const error = new ClientError('ERR_SEND', `${batch.length} message(s) were not delivered: ${failure.message}`, { cause: failure });
        discard(upstream, batch.length, error); // a command among them is refused with this error
        handlers.error(error);
        return true;
      }
    } catch (error) {
      if (stopped) return false;
      failure = toClientError(error, 'ERR_SEND');
    }
    failures += 1;
    const delayMs = backoffDelayMs(failures, options.reconnectDelayMs, options.maxReconnectDelayMs);
    handlers.error(new ClientError('ERR_SEND', `a POST of ${batch.length} message(s) failed, retrying in ${delayMs} ms: ${failure.message}`, { cause: failure }));
    await new Promise((resolve) => {
      timer = setTimeout(resolve, delayMs);
    });
    return !stopped;
  };

  const run = async (): Promise<void> => {
    while (!stopped && upstream.pending.length > 0 && (await postFirst())) {
      /* each round settles the oldest messages */
    }
  };

  const send = (): void => {
    if (running || stopped || gone) return;
    running = true;
    // A microtask, not a timer: messages sent in the same tick go out in one POST.
    queueMicrotask(() => {
      run().finally(() => {
        running = false;
        if (upstream.pending.length > 0) send(); // sent while the loop was returning
      });
    });
  };

  return {
    send,
    stop() {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
    },
  };
}

/** What an HTTP link's body sees of its lifecycle. */
export interface HttpLinkControl {
  /** Aborted when the link ends: pass it to every fetch. */
  readonly signal: AbortSignal;
  /** The session the link's POSTs name, once the server said it. */
  session: string | undefined;
  /** Hands one frame to the client, unless the link has ended. */
  frame(text: string): void;
}

/**
 * Runs an HTTP link's downstream `run` and wraps it as a {@link Link}: when `run` resolves the
 * server ended the stream (a drop to resume from); when it rejects the link failed.
 */
export function startHttpLink(context: LinkContext, run: (control: HttpLinkControl) => Promise<CloseInfo>): Link {
  const controller = new AbortController();
  let active = true;
  const control: HttpLinkControl = {
    signal: controller.signal,
    session: undefined,
    frame(text) {
      if (active) context.handlers.frame(text);
    },
  };
  const poster = createPoster(context, () => control.session);
  const close = (): void => {
    active = false;
    controller.abort();
    poster.stop();
  };
  const end = (info: CloseInfo, error?: ClientError): void => {
    if (!active) return;
    close();
    context.handlers.closed(info, error);
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
  return { send: () => poster.send(), close };
}

/** Opens a new framed session (`mode=framed`, resuming the client once it has a token); throws on an error answer. */
export async function openSession(context: LinkContext, control: HttpLinkControl, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(transportUrl(context, { mode: 'framed', ...resumeQuery(context.position()) }), { headers, signal: control.signal, cache: 'no-store' });
  if (!response.ok) throw await responseError(response);
  control.session = response.headers.get('X-Grappler-Session') ?? undefined;
  return response;
}
