/**
 * Storage writes the hub runs in the background (a client's record, its memberships, the
 * cluster heartbeat), counted so that `close()` can wait for the last ones before the storage
 * closes. One `then` per write: `catch().finally()` cost three promises and four closures, on
 * every handshake.
 */
export class PendingWrites {
  #count = 0;
  #whenSettled: (() => void)[] = [];
  readonly #report: (error: unknown, context: string) => void;
  readonly #settle = (): void => {
    if (--this.#count > 0) return;
    const waiting = this.#whenSettled;
    this.#whenSettled = [];
    for (const resolve of waiting) resolve();
  };

  /** @param report receives a write's failure and the `context` it was added with. */
  constructor(report: (error: unknown, context: string) => void) {
    this.#report = report;
  }

  /** Lets `write` run; its failure goes to `report` with `context`. */
  add(write: Promise<unknown>, context: string): void {
    this.#count++;
    write.then(this.#settle, (error: unknown) => {
      this.#settle();
      this.#report(error, context);
    });
  }

  /** Resolves once no write is in flight: those added so far, and any added meanwhile. */
  settled(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenSettled.push(resolve));
  }
}
