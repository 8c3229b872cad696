/**
 * The client: fallback across transports, reconnection with backoff, framed mode's state.
 *
 *   connect() --pass--> try transports[0] --fails--> `transport` event, try the next --all fail--> retry after backoff
 *                               \--hello--> open --drops--> `reconnecting`, backoff --pass (the working one first)--> `reconnect`
 *   close() from anywhere --> closed: the link aborted, every timer cleared
 *
 * A "pass" tries each allowed transport once, the one that last worked first. A link counts as
 * open when its `hello` arrives. The stream position (cursor, token) and the unacknowledged
 * upstream messages belong to the client, not to a link: any transport resumes where the last
 * one left off (docs/framed-mode.md), and after each hello what is unacknowledged goes first.
 * Channel commands travel in the same numbered upstream; their replies settle their promises
 * (channels.ts), and a new server-side client (hello `resumed` false) is joined to them again.
 */
import { backoffDelayMs } from './backoff';
import { type ChannelListener, applyReply, checkChannelName } from './channels';
import { type ChannelName, type ClientEvents, type ClientState, EVENT_NAMES, type GrapplerClient } from './client-api';
import { Emitter } from './emitter';
import { ClientError } from './errors';
import { type FrameEvent, START, type StreamPosition, readFrame } from './framed';
import { type ClientOptions, type ResolvedClientOptions, type TransportName, resolveClientOptions } from './options';
import { LINKS } from './transports/index';
import type { CloseInfo, Link } from './transports/types';
import { type Command, type Outgoing, abandon, acknowledge, createUpstream, enqueue, restart } from './upstream';

/** The transport that last opened, per server origin, for the life of the page (or process). */
const remembered = new Map<string, TransportName>();

/** Forgets which transport worked for each origin; for tests. */
export function forgetTransports(): void {
  remembered.clear();
}

export class Client extends Emitter<ClientEvents> implements GrapplerClient {
  readonly #url: URL;
  readonly #options: ResolvedClientOptions;
  readonly #upstream = createUpstream();
  /** The channels the client is in, as the server's replies said. */
  readonly #joined = new Set<string>();
  #position: StreamPosition = START;
  #state: ClientState = 'connecting';
  #transport: TransportName | undefined;
  #link: Link | undefined;
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

  get id(): string | undefined {
    return this.#position.id;
  }

  get channels(): ReadonlySet<string> {
    return new Set(this.#joined);
  }

  send(data: string): void {
    this.#push('send', String(data));
  }

  join(name: string): Promise<void> {
    return this.#command('join', name, '');
  }

  leave(name: string): Promise<void> {
    return this.#command('leave', name, '');
  }

  publish(name: string, data: string): Promise<void> {
    return this.#command('publish', name, String(data));
  }

  override on<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this;
  override on<N extends string>(channel: ChannelName<N>, listener: ChannelListener): this;
  override on(name: string, listener: (...args: never[]) => void): this {
    // A channel's listeners are kept under its name: no event has one (see #dispatch).
    return super.on(name as keyof ClientEvents, listener as never);
  }

  override off<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this;
  override off<N extends string>(channel: ChannelName<N>, listener: ChannelListener): this;
  override off(name: string, listener: (...args: never[]) => void): this {
    return super.off(name as keyof ClientEvents, listener as never);
  }

  /** Numbers a message or command and sends it now when open; otherwise it waits for the next hello. */
  #push(what: string, data: string, command?: Pick<Outgoing, 't' | 'c' | 'settle'>): void {
    if (this.#state === 'closed') throw new ClientError('ERR_CLOSED', `${what}() after close()`);
    const open = this.#state === 'open' && this.#link;
    if (!open && this.#upstream.pending.length >= this.#options.maxQueuedMessages) {
      throw new RangeError(`maxQueuedMessages exceeded: ${this.#options.maxQueuedMessages} messages are already queued`);
    }
    const message = enqueue(this.#upstream, data, command);
    if (open) this.#link!.send(message);
  }

  #command(t: Command, c: string, data: string): Promise<void> {
    checkChannelName(c);
    let settle!: (error?: ClientError) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    // A refusal is also an `error` event: a promise nobody awaits is not an unhandled rejection.
    done.catch(() => {});
    this.#push(t, data, { t, c, settle });
    return done;
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
    let opened = false;
    const ended = (info: CloseInfo, error: ClientError | undefined): void => {
      if (this.#link !== link) return;
      this.#link = undefined;
      if (opened) this.#dropped(info);
      else this.#failed(order, index, info, error);
    };
    /** A malformed frame: the link is dropped (or failed), and the next one resumes from the cursor. */
    const abandon = (error: ClientError): void => {
      link.close();
      if (opened) this.emit('error', error);
      ended({ reason: error.message, wasClean: false }, opened ? undefined : error);
    };
    const link: Link = LINKS[name]({
      name,
      url: this.#url,
      options: this.#options,
      position: () => this.#position,
      upstream: this.#upstream,
      handlers: {
        frame: (text) => {
          if (this.#link !== link) return;
          const result = readFrame(this.#position, text);
          if (result instanceof ClientError) return abandon(result);
          if (!opened && result.events[0]?.type !== 'hello') return abandon(new ClientError('ERR_PROTOCOL', 'a frame before hello'));
          this.#position = result.position;
          for (const event of result.events) {
            if (this.#link !== link) return; // a listener closed the client
            if (event.type === 'hello') opened = true;
            this.#dispatch(link, name, event);
          }
        },
        error: (error) => {
          if (this.#state !== 'closed') this.emit('error', error);
        },
        closed: ended,
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

  /** Acts on one frame of the open (or opening) `link`. */
  #dispatch(link: Link, name: TransportName, event: FrameEvent): void {
    switch (event.type) {
      case 'hello':
        // A resumed client: what the server delivered is done. A new one: the old numbers mean
        // nothing, and it is in no channel: join the client's channels again, first.
        if (event.resumed) acknowledge(this.#upstream, event.up);
        else restart(this.#upstream, this.#joined);
        this.#opened(link, name);
        return;
      case 'ack':
        acknowledge(this.#upstream, event.up);
        return;
      case 'gap':
        this.emit('gap', { from: event.from, to: event.to });
        return;
      case 'reply': {
        const refusal = applyReply(this.#upstream, this.#joined, event.reply);
        if (refusal) this.emit('error', refusal);
        return;
      }
      case 'channel': {
        const { channel } = event.meta;
        if (!EVENT_NAMES.has(channel)) this.emit(channel as 'message', event.data, event.meta); // its own listeners
        this.emit('channel', channel, event.data, event.meta);
        return;
      }
      default:
        this.emit('message', event.data, event.meta);
    }
  }

  /** A hello: the link is open; what is unacknowledged goes first, then `open` or `reconnect`. */
  #opened(link: Link, name: TransportName): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    for (const message of [...this.#upstream.pending]) link.send(message);
    if (this.#state === 'open') return; // a second hello on the same link: resent, nothing more
    this.#state = 'open';
    this.#failures = 0;
    remembered.set(this.#url.origin, name);
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
    this.#link = undefined;
    abandon(this.#upstream, new ClientError('ERR_CLOSED', 'the client closed before the server answered'));
    this.#joined.clear();
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
