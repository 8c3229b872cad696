/**
 * What a transport holds for one connection of one client: the events it reports go to the hub,
 * and once another connection has taken the client over (a framed client that resumed), the old
 * one's drops are ignored. A class with its methods on the prototype rather than a closure per
 * event: with thousands of idle connections, the bytes each one costs add up.
 */
import type { Client } from './client';
import type { GrapplerError } from './errors';
import type { UpstreamItem } from './framed';
import type { AttachedConnection, CloseReason, Connection } from './transport';

/** The hub's side of every link: one object per hub. */
export interface LinkHost {
  /** A framed peer's envelope (a message or a channel command). */
  receiveFramed(client: Client, connection: Connection, data: string): void;
  /** A numbered batch (an HTTP POST); false when it would leave a hole. */
  receiveNumbered(client: Client, first: number, messages: readonly UpstreamItem[]): boolean;
  clientError(client: Client, error: GrapplerError): void;
  /** The connection, still the client's, is gone. */
  closed(client: Client, framed: boolean, reason: CloseReason): void;
}

export class ClientLink implements AttachedConnection {
  readonly client: Client;
  readonly #host: LinkHost;
  readonly #connection: Connection;
  readonly #framed: boolean;

  constructor(host: LinkHost, client: Client, connection: Connection, framed: boolean) {
    this.#host = host;
    this.client = client;
    this.#connection = connection;
    this.#framed = framed;
  }

  message(data: string | Buffer): void {
    if (this.#framed && typeof data === 'string') this.#host.receiveFramed(this.client, this.#connection, data);
    else this.client.emit('message', data);
  }

  numbered(first: number, messages: readonly UpstreamItem[]): boolean {
    return this.#host.receiveNumbered(this.client, first, messages);
  }

  drain(): void {
    if (this.#current()) this.client.emit('drain');
  }

  error(error: GrapplerError): void {
    if (this.#current()) this.#host.clientError(this.client, error);
  }

  closed(reason: CloseReason): void {
    if (this.#current()) this.#host.closed(this.client, this.#framed, reason);
  }

  #current(): boolean {
    return this.client.connection === this.#connection;
  }
}
