/**
 * What the three HTTP transports share: their URLs, reading a streamed body, turning an error
 * answer into a ClientError, and the upstream: POSTs of JSON arrays of strings, one at a time
 * so that order holds, batching whatever `send()` got while the previous POST was out or in the
 * same tick.
 *
 *   send() --> pending --(microtask)--> a batch numbered `up`..  --> resume.upstream.batches
 *   batches[0] --POST &up=--> 2xx: dropped | 5xx, network error: same batch again after backoff
 *                         \--> 404: wait for the next link | other 4xx: dropped, ERR_SEND
 *   link ends: the POST out is aborted; its batch, unacknowledged, goes first on the next link
 *   (the server skips numbers it delivered); a new session renumbers the batches from 1.
 */
import { backoffDelayMs } from '../backoff';
import { ClientError, toClientError } from '../errors';
import type { CloseInfo, Link, LinkContext, ResumeState, UpstreamState } from './types';

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
  /** Starts POSTing: at open, first what earlier links of the session left unacknowledged. */
  start(): void;
  /** Stops, aborting a POST that is out, and returns what was never POSTed; what was stays in `resume.upstream`. */
  stop(): string[];
}

/** Gives the batches new numbers from 1 when the session changed: the old session delivered none of them. */
export function numberFor(upstream: UpstreamState, session: string | undefined): void {
  if (upstream.session === session) return;
  upstream.session = session;
  upstream.next = 1;
  for (const batch of upstream.batches) {
    batch.up = upstream.next;
    upstream.next += batch.messages.length;
  }
}

/** Statuses worth retrying: the server may deliver the same body later (it skips what it already has). */
const retryable = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/**
 * Creates the upstream of an HTTP link. Each POST carries `&up=<number of its first message>`; one
 * is out at a time, so order holds. A POST that fails (network error, 5xx) is retried as it was,
 * after the client's backoff; a later batch waits for it.
 */
export function createPoster(context: LinkContext): Poster {
  const { resume, options } = context;
  const upstream = resume.upstream;
  const controller = new AbortController();
  let pending: string[] = [];
  let started = false;
  let running = false;
  let stopped = false;
  let gone = false; // the server answered 404: POST nothing more on this link
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      timer = setTimeout(() => {
        timer = undefined;
        resolve();
      }, ms);
    });

  /** POSTs the first batch: true when it is settled (acknowledged, or refused for good), false to stop. */
  const postFirst = async (): Promise<boolean> => {
    const batch = upstream.batches[0]!;
    let failure: ClientError;
    try {
      const response = await fetch(transportUrl(context, { session: resume.session, up: batch.up }), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(batch.messages),
        signal: controller.signal,
      });
      if (response.ok) {
        upstream.batches.shift();
        failures = 0;
        return true;
      }
      failure = await responseError(response);
      if (response.status === 404) {
        // The session is gone: the batches wait for the next link's session, renumbered into it.
        gone = true;
        context.handlers.error(failure);
        return false;
      }
      if (!retryable(response.status)) {
        // Refused for good (413, 400): its numbers go to the next batches, as the server never counted them.
        upstream.batches.shift();
        for (const later of upstream.batches) later.up -= batch.messages.length;
        upstream.next -= batch.messages.length;
        const lost = new ClientError('ERR_SEND', `${batch.messages.length} message(s) were not delivered: ${failure.message}`, { cause: failure });
        context.handlers.error(lost);
        return true;
      }
    } catch (error) {
      if (controller.signal.aborted) return false;
      failure = toClientError(error, 'ERR_SEND');
    }
    failures += 1;
    const delayMs = backoffDelayMs(failures, options.reconnectDelayMs, options.maxReconnectDelayMs);
    const message = `a POST of ${batch.messages.length} message(s) failed, retrying in ${delayMs} ms: ${failure.message}`;
    context.handlers.error(new ClientError('ERR_SEND', message, { cause: failure }));
    await wait(delayMs);
    return !stopped;
  };

  const run = async (): Promise<void> => {
    while (!stopped) {
      numberFor(upstream, resume.session);
      if (pending.length > 0) {
        upstream.batches.push({ up: upstream.next, messages: pending });
        upstream.next += pending.length;
        pending = [];
      }
      if (upstream.batches.length === 0 || !(await postFirst())) return;
    }
  };

  const schedule = (): void => {
    if (!started || running || stopped || gone) return;
    running = true;
    // A microtask, not a timer: messages sent in the same tick go out in one POST.
    queueMicrotask(() => {
      run().finally(() => {
        running = false;
        if (pending.length > 0) schedule(); // sent while the loop was returning
      });
    });
  };

  return {
    send(data) {
      pending.push(data);
      schedule();
    },
    start() {
      started = true;
      schedule();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
      const unsent = pending;
      pending = [];
      return unsent;
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
  const poster = createPoster(context);
  let active = true;
  let open = false;
  const control: HttpLinkControl = {
    signal: controller.signal,
    opened() {
      if (!active || open) return;
      open = true;
      poster.start();
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
      poster.stop();
    },
  };
}

/**
 * Opens a stream response, resuming the session in `resume` when the server still has it: an
 * expired one (404) is dropped and a new one started (framed mode will report the gap). A new
 * session id in the answer resets the cursor.
 */
export async function openStreamResponse(
  context: LinkContext,
  signal: AbortSignal,
  get: (context: LinkContext, signal: AbortSignal, resume: ResumeState) => Promise<Response>,
): Promise<Response> {
  const { resume } = context;
  let response = await get(context, signal, resume);
  if (response.status === 404 && resume.session !== undefined) {
    resume.session = undefined;
    resume.seq = 0;
    response = await get(context, signal, resume);
  }
  if (!response.ok) throw await responseError(response);
  const session = response.headers.get('X-Grappler-Session');
  if (session && session !== resume.session) {
    resume.session = session;
    resume.seq = 0; // a new session; on a resume the server's own seq headers are not our cursor
  }
  return response;
}
