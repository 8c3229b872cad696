import type { SharedLogEntry } from './shared-log';

/**
 * The numbers a node gives the shared log's entries: the log's own, until the log loses its
 * numbering (Redis restarted without its data, or from an older copy). From then on the node
 * numbers what follows after the newest it took, so that its clients' cursors stay valid and
 * never see a number twice. Resuming on another node needs the same numbers on every node: a
 * node that renumbered no longer offers it (its clients start anew there).
 *
 *   log:   1 2 3 | reset | 1 2 ...
 *   node:  1 2 3          4 5 ...    (offset 3)
 */
export class SharedNumbering {
  /** Added to the log's numbers once it lost them. */
  #offset = 0;
  /** The log restarted its numbering: the next entry is numbered after the newest taken. */
  #restarted = false;
  /** The newest number this node took (offset included). */
  #newest = 0;

  /** True while this node's numbers differ from the log's. */
  get renumbered(): boolean {
    return this.#offset !== 0;
  }

  /**
   * A failure the log reported. One that lost its numbering (`gap` `reset` or `rewound`) is
   * reported before the entries that follow it.
   */
  failed(error: Error): void {
    const gap = (error as { gap?: unknown }).gap;
    if (gap === 'reset' || gap === 'rewound') this.#restarted = true;
  }

  /** The entry under this node's number: the same object while the numbers are the log's. */
  number(entry: SharedLogEntry): SharedLogEntry {
    if (this.#restarted) {
      this.#restarted = false;
      this.#offset = this.#newest - (entry.seq - 1);
    }
    const seq = entry.seq + this.#offset;
    this.#newest = Math.max(this.#newest, seq);
    return this.#offset === 0 ? entry : { ...entry, seq };
  }
}
