/**
 * The hub's one {@link ConnectionEvents}: what transports report about any of its connections
 * goes to the connection's client, and once another connection has taken the client over (a
 * framed client that resumed), the old one's drops are ignored. One object per hub, told the
 * connection on every call, rather than one per connection: with thousands of idle
 * connections, each object a connection keeps adds up (it was 64 bytes a connection).
 */
import type { Client } from './client';
import type { GrapplerError } from './errors';
import { type UpstreamItem, isFramed } from './framed';
import type { CloseReason, Connection, ConnectionEvents } from './transport';

/** The hub's side of the events. */
export interface ConnectionEventsHost {
  /** A framed peer's envelope (a message or a channel command). */
  receiveFramed(client: Client, connection: Connection, data: string): void;
  /** A numbered batch (an HTTP POST); false when it would leave a hole. */
  receiveNumbered(client: Client, first: number, messages: readonly UpstreamItem[]): boolean;
  clientError(client: Client, error: GrapplerError): void;
  /** The connection, still the client's, is gone. */
  closed(client: Client, framed: boolean, reason: CloseReason): void;
}

export class HubConnectionEvents implements ConnectionEvents {
  readonly #host: ConnectionEventsHost;

  constructor(host: ConnectionEventsHost) {
    this.#host = host;
  }

  message(connection: Connection, data: string | Uint8Array): void {
    const client = connection.client;
    if (client === undefined) return;
    if (typeof data === 'string' && isFramed(connection.format)) this.#host.receiveFramed(client, connection, data);
    else client.emit('message', data);
  }

  numbered(connection: Connection, first: number, messages: readonly UpstreamItem[]): boolean {
    const client = connection.client;
    return client !== undefined && this.#host.receiveNumbered(client, first, messages);
  }

  drain(connection: Connection): void {
    currentClient(connection)?.emit('drain');
  }

  error(connection: Connection, error: GrapplerError): void {
    const client = currentClient(connection);
    if (client) this.#host.clientError(client, error);
  }

  closed(connection: Connection, reason: CloseReason): void {
    const client = currentClient(connection);
    if (client) this.#host.closed(client, isFramed(connection.format), reason);
  }
}

/** The connection's client while the connection is still the client's own. */
function currentClient(connection: Connection): Client | undefined {
  const client = connection.client;
  return client?.connection === connection ? client : undefined;
}
