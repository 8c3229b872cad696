/**
 * Runs tasks one after another, in the order they were given: synchronously while nothing is
 * pending (the common case costs no promise), chained once an asynchronous task is running.
 * Tasks report their own errors; a failure never stops the queue.
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  #submitted = 0;

  /** True while an asynchronous task is running or waiting. */
  get busy(): boolean {
    return this.#pending > 0;
  }

  /** How many tasks wait behind the one running. */
  get waiting(): number {
    return Math.max(0, this.#pending - 1);
  }

  /** How many tasks were ever given to {@link run}: unchanged since a task was queued, it is still the last one. */
  get submitted(): number {
    return this.#submitted;
  }

  run(task: () => void | Promise<void>): void {
    this.#submitted += 1;
    if (this.#pending === 0) {
      const result = task();
      if (result !== undefined) this.#follow(result);
      return;
    }
    this.#follow(this.#tail.then(task));
  }

  #follow(promise: Promise<void>): void {
    this.#pending += 1;
    this.#tail = promise.then(
      () => {
        this.#pending -= 1;
      },
      () => {
        this.#pending -= 1;
      },
    );
  }
}
