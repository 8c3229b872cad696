/**
 * `pnpm bench`: runs every workload against grappler and its peers, each (workload, server,
 * repetition) with a fresh server process and a fresh load-generator process, and writes one
 * markdown table per workload to stdout and to `bench/results/` (latest.md for a full run).
 *
 * Flags: `--quick` (small numbers, one repetition), `--only <id[,id…]>` (fanout, echo, idle, http,
 * hold, cluster, slow), `--servers <label[,label…]>` (only those rows of each table, for an A/B of
 * two servers), `--reps <n>`, `--cpu-prof` (every server process writes a V8 CPU profile to
 * bench/results/profiles/<workload>/<label>/run-<n>/, and each run's line and the results end with
 * what it says: busy time by kind of code, hottest functions).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, describeRevision, openFilesLimit } from './machine.js';
import { mainThreadProfiles } from './profile-files.js';
import { describeProfileSummary, summarizeProfile } from './profile-summary.js';
import { type ContenderResult, type RunOutcome, type WorkloadResult, renderSummary, renderWorkload } from './report.js';
import { describe } from './rpc.js';
import { FULL, QUICK, type Scale } from './scale.js';
import { snapshotBuiltPackages } from './snapshot.js';
import { stealPerCore } from './steal.js';
import { runTrial } from './trial.js';
import { clusterWorkload } from './workloads/cluster.js';
import { echoWorkload } from './workloads/echo.js';
import { fanoutWorkload } from './workloads/fanout.js';
import { httpFanoutWorkload } from './workloads/http-fanout.js';
import { idleMemoryWorkload } from './workloads/idle-memory.js';
import { mixedHoldWorkload } from './workloads/mixed-hold.js';
import { slowClientsWorkload } from './workloads/slow-clients.js';
import type { RunOptions, Workload } from './workloads/types.js';

const WORKLOADS: Workload[] = [
  fanoutWorkload,
  echoWorkload,
  idleMemoryWorkload,
  httpFanoutWorkload,
  mixedHoldWorkload,
  clusterWorkload,
  slowClientsWorkload,
];

/** The whole run stops by itself: past this, the remaining runs are skipped and said so. */
const DEADLINE_MS = { full: 55 * 60_000, quick: 10 * 60_000 };

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    servers: { type: 'string' },
    reps: { type: 'string' },
    'idle-connections': { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
const scale: Scale = { ...(flags.quick ? QUICK : FULL) };
const reps = wholeNumberFlag('reps', 'repetitions');
if (reps !== undefined) scale.reps = reps;
// V8 grows its young generation in steps, by the bytes that survive; so the idle figure right
// after connecting depends on where the count falls between two steps: other counts show it.
const idleConnections = wholeNumberFlag('idle-connections', 'connections');
if (idleConnections !== undefined) scale.idle = { connections: idleConnections };
const only = flags.only?.split(',').map((id) => id.trim());
const unknown = only?.filter((id) => !WORKLOADS.some((workload) => workload.id === id)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown workload ${unknown.join(', ')}; choose from ${WORKLOADS.map((workload) => workload.id).join(', ')}`);
  process.exit(2);
}
const servers = flags.servers?.split(',').map((label) => label.trim());
const selected = WORKLOADS.filter((workload) => only === undefined || only.includes(workload.id)).map((workload) =>
  servers === undefined ? workload : { ...workload, contenders: workload.contenders.filter((contender) => servers.includes(contender.label)) },
);
const labels = new Set(selected.flatMap((workload) => workload.contenders.map((contender) => contender.label)));
const unknownServers = servers?.filter((label) => !labels.has(label)) ?? [];
if (unknownServers.length > 0) {
  const known = [...new Set(WORKLOADS.flatMap((workload) => workload.contenders.map((contender) => contender.label)))];
  console.error(`no row is labelled ${unknownServers.join(', ')} in the workloads chosen; labels: ${known.join(', ')}`);
  process.exit(2);
}
const profiling = flags['cpu-prof'] === true;
const profilesDir = `${resultsDir}profiles/`;
const isFullRun = !flags.quick && only === undefined && servers === undefined && flags.reps === undefined && flags['idle-connections'] === undefined;
const outFile = `${resultsDir}${isFullRun ? 'latest.md' : 'partial.md'}`;
const deadline = performance.now() + (flags.quick ? DEADLINE_MS.quick : DEADLINE_MS.full);

const stealAtStart = stealPerCore();
const command = ['pnpm bench', ...process.argv.slice(2)].join(' ');
const header = [
  `## Results of \`${command}\``,
  '',
  `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
  `- machine: ${describeMachine()}`,
  `- grappler: ${describeRevision()}, built and its dist/ copied once at the start`,
  `- load average before the run: ${loadAverage()} (other work on the machine moves every figure)`,
  `- each figure is the median of ${scale.reps} run${scale.reps === 1 ? '' : 's'}; CPU is user+system ms of the median run's measured phase, servers / load generator, with its wall time, and the ms the hypervisor stole from each side's core meanwhile ("stolen", the steal of /proc/stat) when it stole any: a run with much stolen is slow for reasons not its own`,
].join('\n');

const files = openFilesLimit();
if (files !== undefined && files < 12_000 && selected.some((workload) => workload.id === mixedHoldWorkload.id)) {
  console.warn(`warning: open files limited to ${files}; the hold needs about 10,000 per process (ulimit -n 20000)`);
}

// One build for the whole run, and a run that stops at once when that build does not load.
const snapshot = snapshotBuiltPackages();
try {
  await runTrial({ servers: [{ name: 'grappler' }], timeoutMs: 30_000 }, async () => {});
} catch (error) {
  console.error(`grappler's built packages (${snapshot.join(', ')}) do not start a server: ${describe(error)}`);
  process.exit(1);
}

mkdirSync(resultsDir, { recursive: true });
const sections: string[] = [header];
const results: WorkloadResult[] = [];
/** With `--cpu-prof`: what each run's profiles say, a line per server process. */
const profileLines: string[] = [];
const save = (): void => {
  const profiles = profileLines.length > 0 ? `### CPU profiles (--cpu-prof)\n\nBusy time of each server process over its whole life (start, connecting, warm-up and the measured phase), by kind of code; idle time left out.\n\n${profileLines.join('\n')}` : '';
  const parts = [...sections, results.length > 0 ? renderSummary(results) : '', profiles].filter((part) => part !== '');
  writeFileSync(outFile, `${parts.join('\n\n')}\n`);
};
if (profiling) rmSync(profilesDir, { recursive: true, force: true });
console.log(`${header}\n`);

for (const workload of selected) {
  const rows: ContenderResult[] = workload.contenders.map((contender) => ({ contender, runs: [] }));
  // Repetition-major: every server runs once before any runs twice, so a drift in the machine
  // spreads over all of them.
  for (let rep = 1; rep <= scale.reps; rep++) {
    for (const row of rows) {
      const outcome = await runOnce(workload, row, rep);
      row.runs.push(outcome);
    }
  }
  const result: WorkloadResult = { workload, rows };
  results.push(result);
  const table = renderWorkload(result, workload.size(scale));
  sections.push(table);
  console.log(`\n${table}\n`);
  save();
}
sections.push(`Load average at the end: ${loadAverage()} (the bench's own two busy processes count for about 2 of it).${describeStolen(stealAtStart, stealPerCore())}`);
const summary = renderSummary(results);
console.log(`\n${summary}\n`);
save();
console.log(`written to ${outFile}`);
process.exit(0);

/** A flag that must be a whole number, 1 or more: undefined when absent; anything else stops the run with 2. */
function wholeNumberFlag(name: 'reps' | 'idle-connections', what: string): number | undefined {
  const given = flags[name];
  if (given === undefined) return undefined;
  const value = Number(given);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a whole number of ${what}, 1 or more: ${given}`);
    process.exit(2);
  }
  return value;
}

/** The whole run's steal per core, as a sentence (nothing where /proc/stat cannot be read). */
function describeStolen(start: number[] | undefined, end: number[] | undefined): string {
  if (start === undefined || end === undefined) return '';
  const cores = end.map((ms, core) => `core ${core} ${((ms - (start[core] ?? ms)) / 1000).toFixed(1)} s`);
  return ` CPU time the hypervisor stole over the whole run: ${cores.join(', ')}.`;
}

function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}

async function runOnce(workload: Workload, row: ContenderResult, rep: number): Promise<RunOutcome> {
  const label = `${workload.id} / ${row.contender.label} / run ${rep}`;
  if (performance.now() > deadline) {
    console.log(`${label}: skipped (the whole run's deadline passed)`);
    return { error: 'skipped: the deadline of the whole run passed' };
  }
  const started = performance.now();
  const profileDir = `${profilesDir}${workload.id}/${row.contender.label.replace(/[^\w.-]+/g, '-')}/run-${rep}`;
  const options: RunOptions = { serverNodeFlags: profiling ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] };
  try {
    const result = await row.contender.run(scale, options);
    const figure = workload.columns[0]!;
    const stolen = result.cpu.stolenMs;
    const cpu = `cpu server ${Math.round(result.cpu.serverMs)} ms / loadgen ${Math.round(result.cpu.loadgenMs)} ms over ${Math.round(result.cpu.wallMs)} ms${stolen ? `, stolen ${stolen.server} / ${stolen.loadgen} ms` : ''}`;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${label}: ${figure.label} ${figure.format(result.metrics[figure.key] ?? Number.NaN)}; ${cpu}${result.note ? `; ${result.note}` : ''} (${seconds} s)`);
    return result;
  } catch (error) {
    console.log(`${label}: failed: ${describe(error)}`);
    return { error: describe(error) };
  } finally {
    if (profiling) reportProfiles(label, profileDir);
  }
}

/** Prints and keeps what the profiles of one run say (the trial has stopped its processes: they are written). */
function reportProfiles(label: string, dir: string): void {
  for (const { pid, profile } of mainThreadProfiles(dir)) {
    const line = `- ${label}, process ${pid}: ${describeProfileSummary(summarizeProfile(profile))}`;
    profileLines.push(line);
    console.log(`  profile: ${line.slice(2)}`);
  }
}
