/** The machine a run was made on, as the results header states it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { HAS_TASKSET } from './children.js';

export function describeMachine(): string {
  const model = cpuModel();
  const memory = (totalmem() / 2 ** 30).toFixed(0);
  const pinning = HAS_TASKSET ? 'servers pinned to core 0, load generator to core 1 (taskset)' : 'no taskset: processes not pinned';
  return `${model}, ${cpus().length} cores, ${memory} GiB RAM, Linux ${release()}, Node ${process.version}; ${pinning}`;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    if (line !== undefined) return line.split(':')[1]!.trim();
  } catch {
    // not Linux: fall through
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

/** The soft limit on open files, from /proc (Linux), or undefined where it cannot be read. */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/**
 * The commit measured, and whether grappler's packages had uncommitted changes (the bench builds
 * and measures the working tree as it is).
 */
export function describeRevision(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', '../packages').length > 0;
    return dirty ? `${commit} with uncommitted changes under packages/` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
