/**
 * A bounded table of strings, each kept once: `share(value)` answers the copy the table already
 * holds, so strings that many long-lived objects repeat (the `Host` every client of a server
 * sends, a browser's `User-Agent`) are held once rather than once per object. The HTTP parser
 * makes a new string for every request; without this, 10,000 clients hold 10,000 equal copies.
 */
export class StringTable {
  readonly #values = new Map<string, string>();
  readonly #maxEntries: number;
  readonly #maxLength: number;

  /**
   * `maxEntries`: distinct values held before the table starts over. `maxLength`: longer values
   * are answered as they are, not held (a value that long is rarely a common one).
   */
  constructor(maxEntries: number, maxLength: number) {
    this.#maxEntries = maxEntries;
    this.#maxLength = maxLength;
  }

  /** Values held now. */
  get size(): number {
    return this.#values.size;
  }

  /** The table's copy of `value`: equal to it, and the same string for every equal value. */
  share(value: string): string {
    if (value.length > this.#maxLength) return value;
    const known = this.#values.get(value);
    if (known !== undefined) return known;
    // Starting over rather than evicting one at a time: a flood of distinct values (a client
    // making them up) costs no more than the bound, and the common values come back at once.
    if (this.#values.size >= this.#maxEntries) this.#values.clear();
    this.#values.set(value, value);
    return value;
  }
}
