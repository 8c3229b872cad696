/**
 * CPU time the hypervisor gave to someone else ("steal", from /proc/stat): on a shared virtual
 * machine a run can lose a good share of its wall time that way, and be slower for reasons that
 * are not its own. The tables show it beside each run's CPU time, per core (servers on one, the
 * load generator on the other), so a reader can tell a slow server from a starved one.
 */
import { readFileSync } from 'node:fs';

/** Linux counts /proc/stat in USER_HZ ticks, 100 per second on every architecture it supports. */
const MS_PER_TICK = 10;

/** Steal so far per core, in ms (index = core number); undefined where /proc/stat cannot be read. */
export function stealPerCore(): number[] | undefined {
  try {
    return parseStealPerCore(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** The steal column (the eighth number) of each `cpuN` line of /proc/stat, in ms. */
export function parseStealPerCore(procStat: string): number[] | undefined {
  const perCore: number[] = [];
  for (const line of procStat.split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const steal = Number(match[2]!.trim().split(/\s+/)[7]);
    if (!Number.isFinite(steal)) return undefined;
    perCore[Number(match[1])] = steal * MS_PER_TICK;
  }
  return perCore.length > 0 ? perCore : undefined;
}
