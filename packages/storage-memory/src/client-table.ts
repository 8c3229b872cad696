import type { ClientRecord } from '@grappler/core';

/**
 * The client registry of a memory storage: a column per field and a slot per client, rather than
 * a record object per client. Idle connections are counted in thousands, and each record object
 * with the boxed number of its `connectedAt` cost about 80 bytes; a slot costs four array
 * elements (a number array keeps its doubles unboxed). Strings are not copied: a client's node,
 * transport and address are the strings its hub already holds.
 *
 * Slots of removed clients are reused, and the columns never shrink: after a peak of clients,
 * about 32 bytes per slot stay until the storage closes.
 */
export class ClientTable {
  readonly #slots = new Map<string, number>();
  readonly #nodes: string[] = [];
  readonly #transports: string[] = [];
  readonly #addresses: string[] = [];
  readonly #connectedAt: number[] = [];
  /** Slots whose client was removed, to be taken before the columns grow. */
  readonly #free: number[] = [];

  get size(): number {
    return this.#slots.size;
  }

  /** Records a client, or replaces the record of the same id. */
  set(record: ClientRecord): void {
    let slot = this.#slots.get(record.id);
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#nodes.length;
      this.#slots.set(record.id, slot);
    }
    this.#nodes[slot] = record.node;
    this.#transports[slot] = record.transport;
    this.#addresses[slot] = record.remoteAddress;
    this.#connectedAt[slot] = record.connectedAt;
  }

  /** A new object with the record of `id`, or undefined. */
  get(id: string): ClientRecord | undefined {
    const slot = this.#slots.get(id);
    if (slot === undefined) return undefined;
    return {
      id,
      node: this.#nodes[slot]!,
      transport: this.#transports[slot]!,
      remoteAddress: this.#addresses[slot]!,
      connectedAt: this.#connectedAt[slot]!,
    };
  }

  delete(id: string): void {
    const slot = this.#slots.get(id);
    if (slot === undefined) return;
    this.#slots.delete(id);
    // The strings are let go with the client; '' keeps each column an array of strings.
    this.#nodes[slot] = this.#transports[slot] = this.#addresses[slot] = '';
    this.#free.push(slot);
  }

  clear(): void {
    this.#slots.clear();
    for (const column of [this.#nodes, this.#transports, this.#addresses, this.#connectedAt, this.#free]) column.length = 0;
  }
}
