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

function flush(): void {
  // An uncork may lead to more writes (a drain handler): they join this same loop.
  for (let index = 0; index < pending.length; index++) pending[index]!.tickEnded();
  pending.length = 0;
}

/** Calls `listener.tickEnded()` once the current tick ends. */
export function atTickEnd(listener: TickEndListener): void {
  if (pending.push(listener) === 1) process.nextTick(flush);
}
