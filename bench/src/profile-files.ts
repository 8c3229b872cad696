/** Reading the `.cpuprofile` files a run's server processes wrote (`--cpu-prof`). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuProfile } from './profile-summary.js';

/**
 * Node names a profile `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`. Thread 0 is the
 * process's main thread; the others are the module loader's worker, idle once the server started.
 */
const PROFILE_NAME = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/;

export interface ProcessProfile {
  pid: number;
  profile: CpuProfile;
}

/** The main-thread profiles in `dir`, one per server process, by process id. */
export function mainThreadProfiles(dir: string): ProcessProfile[] {
  if (!existsSync(dir)) return [];
  const found: ProcessProfile[] = [];
  for (const file of readdirSync(dir)) {
    const match = PROFILE_NAME.exec(file);
    if (match === null || match[2] !== '0') continue;
    found.push({ pid: Number(match[1]), profile: JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile });
  }
  return found.sort((a, b) => a.pid - b.pid);
}
