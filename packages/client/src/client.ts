/**
 * The client: fallback across transports, reconnection with backoff, the send queue.
 *
 *   connect() --pass--> try transports[0] --fails--> `transport` event, try the next --all fail--> retry after backoff
 *                               \--opens--> open --drops--> `reconnecting`, backoff --pass (the working one first)--> `reconnect`
 *   close() from anywhere --> closed: the link aborted, every timer cleared
 *
 * A "pass" tries each allowed transport once, the one that last worked first. HTTP transports keep
 * their session in `#resume` across links, so a reconnect on the same transport resumes it.
 */
import { backoffDelayMs } from './backoff';
import { Emitter } from './emitter';
import { ClientError } from './errors';
import { type ClientOptions, type ResolvedClientOptions, type TransportName, resolveClientOptions } from './options';
import { LINKS } from './transports/index';
import type { CloseInfo, Link, ResumeState } from './transports/types';

/** The client's state. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Events of a {@link GrapplerClient}, with their arguments. */
export interface ClientEvents {
  /** The first transport opened; later opens emit `reconnect`. */
  open: [];
  /** A message from the server: a string, or bytes for a binary message. */
  message: [data: string | Uint8Array];
  /** The client is closed for good: `close()` was called, or it gave up reconnecting. */
  close: [info: CloseInfo];
  /** Something failed: a transport could not open, a POST failed, a stream was malformed. */
  error: [error: ClientError];
  /** A new attempt will start in `delayMs` ms; `attempt` counts failures in a row from 1. */
  reconnecting: [info: { attempt: number; delayMs: number }];
  /** A transport opened again after a drop. */
  reconnect: [];
  /** A transport failed to open and the next one is tried. */
  transport: [change: { from: TransportName; to: TransportName }];
}

/** The client. Make one with {@link connect}. */
export interface GrapplerClient {
  /** Where the client is: `connecting` until the first open, `reconnecting` after a drop. */
  readonly state: ClientState;
  /** The transport in use while open (or being tried), undefined once closed. */
  readonly transport: TransportName | undefined;
  /**
   * Sends a text message. While not open it is queued, in order, and sent on open.
   * @throws RangeError past `maxQueuedMessages` queued messages; ClientError `ERR_CLOSED` after `close()`.
   */
  send(data: string): void;
  /** Closes the client: aborts requests, clears every timer, emits `close` once. */
  close(): void;
  /** Adds a listener. */
  on<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this;
  /** Removes a listener. */
  off<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this;
}

/** The transport that last opened, per server origin, for the life of the page (or process). */
const remembered = new Map<string, TransportName>();

/** Forgets which transport worked for each origin; for tests. */
export function forgetTransports(): void {
  remembered.clear();
}

export class Client extends Emitter<ClientEvents> implements GrapplerClient {
  readonly #url: URL;
  readonly #options: ResolvedClientOptions;
  readonly #queue: string[] = [];
  readonly #resume = new Map<TransportName, ResumeState>();
  #state: ClientState = 'connecting';
  #transport: TransportName | undefined;
  #link: Link | undefined;
  #draining: Link | undefined; // the last dropped link, whose POST may still be out
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #everOpen = false;

  constructor(url: string, options?: ClientOptions) {
    super();
    this.#url = new URL(url, typeof location === 'undefined' ? undefined : location.href);
    if (this.#url.protocol !== 'http:' && this.#url.protocol !== 'https:') {
      throw new TypeError(`the server URL must be http: or https:, not ${this.#url.protocol}`);
    }
    this.#options = resolveClientOptions(options);
    queueMicrotask(() => this.#pass());
  }

  get state(): ClientState {
    return this.#state;
  }

  get transport(): TransportName | undefined {
    return this.#transport;
  }

  send(data: string): void {
    if (this.#state === 'closed') throw new ClientError('ERR_CLOSED', 'send() after close()');
    if (this.#state === 'open' && this.#link) {
      this.#link.send(String(data));
      return;
    }
    if (this.#queue.length >= this.#options.maxQueuedMessages) {
      throw new RangeError(`maxQueuedMessages exceeded: ${this.#options.maxQueuedMessages} messages are already queued`);
    }
    this.#queue.push(String(data));
  }

  close(): void {
    this.#shutDown({ reason: 'closed by the client', wasClean: true });
  }

  /** The transports of one pass: the one that worked last (here, or for this origin) first. */
  #order(): TransportName[] {
    const preferred = this.#transport ?? remembered.get(this.#url.origin);
    const allowed = this.#options.transports;
    return preferred && allowed.includes(preferred) ? [preferred, ...allowed.filter((n) => n !== preferred)] : [...allowed];
  }

  #pass(order: TransportName[] = this.#order(), index = 0): void {
    if (this.#state === 'closed') return;
    const name = order[index]!;
    const previous = order[index - 1];
    this.#transport = name;
    if (previous) this.emit('transport', { from: previous, to: name });
    if ((this.#state as ClientState) === 'closed') return; // a listener closed the client
    const resume = this.#resume.get(name) ?? { session: undefined, seq: 0, upstream: { session: undefined, next: 1, batches: [] } };
    this.#resume.set(name, resume);
    let opened = false;
    const link: Link = LINKS[name]({
      name,
      url: this.#url,
      options: this.#options,
      resume,
      handlers: {
        opened: () => {
          opened = true;
          this.#opened(link, name);
        },
        message: (data) => {
          if (this.#link === link) this.emit('message', data);
        },
        error: (error) => {
          if (this.#state !== 'closed') this.emit('error', error);
        },
        closed: (info, error, unsent) => {
          if (this.#link !== link) return;
          this.#queue.unshift(...unsent);
          this.#link = undefined;
          this.#draining?.close();
          this.#draining = link;
          if (opened) this.#dropped(info);
          else this.#failed(order, index, info, error);
        },
      },
    });
    this.#link = link;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      link.close();
      const ms = this.#options.probeTimeoutMs;
      const error = new ClientError('ERR_PROBE_TIMEOUT', `${name} did not open within probeTimeoutMs (${ms} ms)`);
      this.#link = undefined;
      this.#failed(order, index, { reason: error.message, wasClean: false }, error);
    }, this.#options.probeTimeoutMs);
  }

  #opened(link: Link, name: TransportName): void {
    if (this.#link !== link) return;
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    this.#state = 'open';
    this.#failures = 0;
    remembered.set(this.#url.origin, name);
    for (const data of this.#queue.splice(0)) link.send(data);
    this.emit(this.#everOpen ? 'reconnect' : 'open');
    this.#everOpen = true;
  }

  #failed(order: TransportName[], index: number, info: CloseInfo, error: ClientError | undefined): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    if (error) this.emit('error', error);
    if (this.#state === 'closed') return;
    if (index + 1 < order.length) this.#pass(order, index + 1);
    else this.#retry(info);
  }

  #dropped(info: CloseInfo): void {
    this.#state = 'reconnecting';
    this.#retry(info);
  }

  #retry(last: CloseInfo): void {
    this.#failures += 1;
    const { reconnectDelayMs, maxReconnectDelayMs, maxReconnectAttempts } = this.#options;
    if (this.#failures > maxReconnectAttempts) {
      const reason = `gave up after ${maxReconnectAttempts} reconnect attempt(s): ${last.reason}`;
      this.#shutDown({ ...(last.code === undefined ? {} : { code: last.code }), reason, wasClean: false });
      return;
    }
    const delayMs = backoffDelayMs(this.#failures, reconnectDelayMs, maxReconnectDelayMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#pass();
    }, delayMs);
    this.emit('reconnecting', { attempt: this.#failures, delayMs });
  }

  #shutDown(info: CloseInfo): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#transport = undefined;
    clearTimeout(this.#probeTimer);
    clearTimeout(this.#retryTimer);
    this.#probeTimer = this.#retryTimer = undefined;
    this.#link?.close();
    this.#draining?.close();
    this.#link = this.#draining = undefined;
    this.#queue.length = 0;
    this.emit('close', info);
  }
}

/**
 * Connects to a grappler server, trying WebSocket, SSE, XHR multipart and long polling in turn,
 * and reconnecting (with backoff) when the connection drops.
 * @param url The server's http(s) URL; the WebSocket URL is derived (http→ws, https→wss).
 * @example
 * const client = connect('https://example.com/live');
 * client.on('message', (data) => console.log(data));
 * client.send('hello'); // queued until open
 */
export function connect(url: string, options?: ClientOptions): GrapplerClient {
  return new Client(url, options);
}
