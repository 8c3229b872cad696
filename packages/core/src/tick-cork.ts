/**
 * Coalesces what a connection writes in one tick into few writes: a transport writes the first
 * frame of a tick at once, corks its socket at the second and hands an uncork callback here;
 * every callback runs once the tick ends (process.nextTick), so the frames of a burst (a
 * broadcast loop, a replay) leave in one writev per socket instead of one system call each,
 * while a lone frame costs nothing extra.
 *
 *   tick:   write(f1) (sent)   write(f2) -> cork, atTickEnd(connection)   write(f3)
 *   end:    connection.tickEnded() -> uncork -> one writev [f2, f3]
 */

/** Something to call once the current tick ends (an object, not a closure: nothing is allocated per call). */
export interface TickEndListener {
  tickEnded(): void;
}

const pending: TickEndListener[] = [];
let tick = 0;
let tickEndDue = false;

function endTick(): void {
  tickEndDue = false;
  tick++;
}

/** A number that stays the same until the current tick ends: "was my last write in this tick?" */
export function currentTick(): number {
  if (!tickEndDue) {
    tickEndDue = true;
    process.nextTick(endTick);
  }
  return tick;
}

let flushDue = false;

function flush(): void {
  flushDue = false;
  flushTickEnd();
}

/** The next of `pending` to run: shared, so a run started inside another (a fan-out slice in a drain handler) goes on where it is, calling none twice. */
let cursor = 0;
/** Streams corked by {@link corkUntilRun} during the run of `pending`, uncorked once it is over. */
const corked: { uncork(): void }[] = [];
/** Whether `pending` is being run. */
let running = false;

/**
 * Runs now what waits for the tick's end, as if it had ended; later writes of the same tick
 * wait for its end again. A long fan-out slice calls it so that the writes it leads to (an HTTP
 * session's, made once the tick ends) happen within the time it measures itself by, rather than
 * all of them after its deadline. The tick's number stays: a connection written to again in
 * this tick corks again.
 */
export function flushTickEnd(): void {
  const outer = running;
  running = true;
  try {
    // An uncork may lead to more writes (a drain handler): they join this same loop.
    while (cursor < pending.length || corked.length > 0) {
      while (cursor < pending.length) pending[cursor++]!.tickEnded();
      for (let index = 0; index < corked.length; index++) corked[index]!.uncork();
      corked.length = 0;
    }
  } finally {
    running = outer;
  }
  pending.length = 0;
  cursor = 0;
}

/**
 * Inside a listener's `tickEnded()`: corks `stream` until every listener of this run has run,
 * then uncorks it, and answers true. The writes of a run (each HTTP session's batch) then reach
 * the kernel one after another once the work that made them is done, rather than each between
 * the others' work, which costs each its caches; and when a fan-out slice runs the tick's end
 * early, they happen within the slice. Outside a run it does nothing and answers false.
 */
export function corkUntilRun(stream: { cork(): void; uncork(): void }): boolean {
  if (!running) return false;
  stream.cork();
  corked.push(stream);
  return true;
}

/** Calls `listener.tickEnded()` once the current tick ends. */
export function atTickEnd(listener: TickEndListener): void {
  pending.push(listener);
  if (flushDue) return;
  flushDue = true;
  process.nextTick(flush);
}
