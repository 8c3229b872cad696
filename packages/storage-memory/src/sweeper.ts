/**
 * The one timer of a storage: it deletes expired keys for every client at once (never a timer per
 * key or per client). It runs only while some key has a TTL, and is unref'ed so that it never
 * keeps the process alive on its own.
 */
export interface Sweeper {
  /** Starts the timer unless it is running. */
  start(): void;
  stop(): void;
  readonly running: boolean;
}

/** `sweep` returns whether keys with a TTL remain; when none do, the timer stops until the next `start()`. */
export function createSweeper(intervalMs: number, sweep: () => boolean): Sweeper {
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = (): void => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        if (!sweep()) stop();
      }, intervalMs);
      timer.unref();
    },
    stop,
    get running() {
      return timer !== undefined;
    },
  };
}
