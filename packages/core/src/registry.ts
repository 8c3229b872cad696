import { EventEmitter } from 'node:events';
import type { Client } from './client';

/**
 * The connection manager of the seeds: the clients connected to this node, looked up by id
 * or by predicate. The hub is one; it adds and removes clients as transports report them.
 */
export class ClientRegistry<Events extends Record<keyof Events, unknown[]>> extends EventEmitter<Events> {
  /** Clients by id: connected ones, and framed ones detached while they may still resume. */
  protected readonly clients: Map<string, Client> = new Map();

  /** Number of clients on this node, counting framed clients detached until they resume or expire. */
  get size(): number {
    return this.clients.size;
  }

  /** The client with this id, if it is connected here. */
  get(id: string): Client | undefined {
    return this.clients.get(id);
  }

  /**
   * `find(predicate)` returns the first client it accepts. The seed's form `find(id, callback,
   * thisArg)` calls `callback` with the client when one has that id.
   */
  find(predicate: (client: Client) => boolean): Client | undefined;
  find(id: string, callback: (client: Client) => void, thisArg?: unknown): void;
  find(
    what: string | ((client: Client) => boolean),
    callback?: (client: Client) => void,
    thisArg?: unknown,
  ): Client | undefined {
    if (typeof what === 'string') {
      const client = this.clients.get(what);
      if (client && callback) callback.call(thisArg, client);
      return undefined;
    }
    for (const client of this.clients.values()) if (what(client)) return client;
    return undefined;
  }

  forEach(callback: (client: Client) => void, thisArg?: unknown): void {
    for (const client of [...this.clients.values()]) callback.call(thisArg, client);
  }

  map<T>(callback: (client: Client) => T, thisArg?: unknown): T[] {
    return Array.from(this.clients.values(), (client) => callback.call(thisArg, client));
  }

  filter(predicate: (client: Client) => boolean, thisArg?: unknown): Client[] {
    return [...this.clients.values()].filter((client) => predicate.call(thisArg, client));
  }
}
