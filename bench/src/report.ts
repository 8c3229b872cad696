/**
 * The markdown tables: per workload, one row per server with the median of its runs, the runs'
 * values, the CPU each side spent in the median run, and every target of the issue that row is
 * subject to, met or not (a missed target says NO).
 */
import { median } from './stats.js';
import { type RunResult, describeCpu } from './trial.js';
import type { Contender, Target, Workload } from './workloads/types.js';

export type RunOutcome = RunResult | { error: string };

export interface ContenderResult {
  contender: Contender;
  runs: RunOutcome[];
}

export interface WorkloadResult {
  workload: Workload;
  rows: ContenderResult[];
}

export interface TargetVerdict {
  workload: string;
  text: string;
  measured: string;
  met: boolean | undefined;
}

const succeeded = (runs: RunOutcome[]): RunResult[] => runs.filter((run): run is RunResult => !('error' in run));

function medianOf(row: ContenderResult | undefined, metric: string): number {
  return row === undefined ? Number.NaN : median(succeeded(row.runs).map((run) => run.metrics[metric] ?? Number.NaN));
}

/** The run whose figure is the median (the lower middle one for an even count). */
function medianRun(row: ContenderResult, metric: string): RunResult | undefined {
  const runs = succeeded(row.runs).sort((a, b) => (a.metrics[metric] ?? 0) - (b.metrics[metric] ?? 0));
  return runs[(runs.length - 1) >> 1];
}

export function judge(result: WorkloadResult, target: Target): TargetVerdict {
  const byLabel = new Map(result.rows.map((row) => [row.contender.label, row]));
  const value = medianOf(byLabel.get(target.subject), target.metric);
  const column = result.workload.columns.find((entry) => entry.key === target.metric);
  const format = (n: number): string => (Number.isNaN(n) ? 'no result' : (column?.format ?? String)(n));
  const verdict = (bound: string, measured: string, met: boolean | undefined): TargetVerdict => ({
    workload: result.workload.title,
    text: `${target.subject} ${column?.label ?? target.metric} ${bound}`,
    measured,
    met,
  });
  if ('below' in target) return verdict(`< ${target.unit}`, format(value), Number.isNaN(value) ? false : value < target.below);
  const bound = 'atLeast' in target ? `≥ ${target.atLeast.toFixed(1)}× ${target.peer}` : `≤ ${target.atMost.toFixed(1)}× ${target.peer}`;
  // A subject with no result has not met its target; a peer with none leaves the ratio unknown.
  if (Number.isNaN(value)) return verdict(bound, 'no result', false);
  const ratio = value / medianOf(byLabel.get(target.peer), target.metric);
  if (!Number.isFinite(ratio)) return verdict(bound, 'no peer result', undefined);
  return verdict(bound, `${ratio.toFixed(2)}×`, 'atLeast' in target ? ratio >= target.atLeast : ratio <= target.atMost);
}

const verdictWord = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? 'yes' : '**NO**');

export function renderWorkload(result: WorkloadResult, sizeNote: string): string {
  const { workload } = result;
  const [primary, ...others] = workload.columns;
  if (primary === undefined) throw new Error(`${workload.id} has no columns`);
  const header = [
    'server',
    `${primary.label} (median)`,
    'runs',
    ...others.map((column) => `${column.label} (median)`),
    'CPU ms server / loadgen (wall ms)',
    'target',
    'notes',
  ];
  const lines = [
    `### ${workload.title}`,
    '',
    `${sizeNote} ${workload.method}`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
  ];
  for (const row of result.rows) {
    const ok = succeeded(row.runs);
    const runs = row.runs.map((run) => ('error' in run ? 'failed' : primary.format(run.metrics[primary.key] ?? Number.NaN))).join(', ');
    const middle = medianRun(row, primary.key);
    const cpu = middle === undefined ? '—' : describeCpu(middle.cpu);
    const targets = workload.targets
      .filter((target) => target.subject === row.contender.label)
      .map((target) => {
        const verdict = judge(result, target);
        return `${verdict.text.replace(`${target.subject} `, '')}: ${verdict.measured} → ${verdictWord(verdict.met)}`;
      });
    const errors = row.runs.filter((run): run is { error: string } => 'error' in run).map((run) => `failed: ${run.error}`);
    const notes = [middle?.note ?? '', ...new Set(errors)].filter((note) => note !== '').join('; ');
    const cells = [
      row.contender.label,
      ok.length > 0 ? primary.format(medianOf(row, primary.key)) : 'failed',
      runs,
      ...others.map((column) => (ok.length > 0 ? column.format(medianOf(row, column.key)) : '—')),
      cpu,
      targets.length > 0 ? targets.join('<br>') : '—',
      notes.replaceAll('|', '\\|') || '—',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Every target of the run with its verdict, for the end of the report. */
export function renderSummary(results: WorkloadResult[]): string {
  const lines = ['### Targets', '', '| workload | target | measured | met |', '| --- | --- | --- | --- |'];
  for (const result of results) {
    for (const target of result.workload.targets) {
      const verdict = judge(result, target);
      lines.push(`| ${verdict.workload} | ${verdict.text} | ${verdict.measured} | ${verdictWord(verdict.met)} |`);
    }
  }
  return lines.join('\n');
}
