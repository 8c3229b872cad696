/**
 * Channel membership on this node: named groups of clients (Comet.js's "listeners"). Both sides
 * are kept, channel → members for publishing and client → channels for leaving on close, so
 * neither needs a scan.
 */
import type { Client } from './client';

/** A live view of one channel. */
export interface Channel {
  readonly name: string;
  /** The members now (a live set: do not modify it). */
  readonly members: ReadonlySet<Client>;
  /** How many members. */
  readonly size: number;
}

/** A channel as the hub shows it: this node's members, and (through the storage) every node's. */
export interface ClusterChannel extends Channel {
  /** The ids of its members on every node, as the hub's storage records them (this node's without a storage). */
  clusterMembers(): Promise<string[]>;
  /** How many members it has on every node (one storage call; this node's count without a storage). */
  clusterSize(): Promise<number>;
}

const NO_MEMBERS: ReadonlySet<Client> = new Set();
const NO_CHANNELS: ReadonlySet<string> = new Set();

export class ChannelRegistry {
  readonly #members = new Map<string, Set<Client>>();
  readonly #joined = new WeakMap<Client, Set<string>>();

  /** Adds a member; false when it already was one. */
  add(name: string, client: Client): boolean {
    let members = this.#members.get(name);
    if (!members) {
      members = new Set();
      this.#members.set(name, members);
    }
    if (members.has(client)) return false;
    members.add(client);
    let joined = this.#joined.get(client);
    if (!joined) {
      joined = new Set();
      this.#joined.set(client, joined);
    }
    joined.add(name);
    return true;
  }

  /** Removes a member; false when it was not one. An emptied channel is forgotten. */
  remove(name: string, client: Client): boolean {
    const members = this.#members.get(name);
    if (!members?.delete(client)) return false;
    if (members.size === 0) this.#members.delete(name);
    this.#joined.get(client)?.delete(name);
    return true;
  }

  has(name: string, client: Client): boolean {
    return this.#members.get(name)?.has(client) ?? false;
  }

  members(name: string): ReadonlySet<Client> {
    return this.#members.get(name) ?? NO_MEMBERS;
  }

  channelsOf(client: Client): ReadonlySet<string> {
    return this.#joined.get(client) ?? NO_CHANNELS;
  }

  /** A live view of `name`, whether or not it has members yet. */
  view(name: string): Channel {
    const registry = this;
    return {
      name,
      get members() {
        return registry.members(name);
      },
      get size() {
        return registry.members(name).size;
      },
    };
  }
}
