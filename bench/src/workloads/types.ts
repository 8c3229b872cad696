import type { Scale } from '../scale.js';
import type { RunResult } from '../trial.js';

/** One row of a workload's table: a server (and wire format) and how to run it once. */
export interface Contender {
  label: string;
  /** What it is, for the README and the table's notes. */
  about: string;
  run(scale: Scale, options: RunOptions): Promise<RunResult>;
}

export interface RunOptions {
  /** Extra Node flags for every server process of the run, grappler's and the peers' alike (`--cpu-prof …`). */
  serverNodeFlags: string[];
}

/** A metric shown as a column; the first is the workload's figure (medians and the runs' values). */
export interface Column {
  key: string;
  label: string;
  format(value: number): string;
}

/** A target of the issue: a ratio to a peer measured in the same run, or an absolute bound, on medians. */
export type Target =
  | { subject: string; metric: string; peer: string; atLeast: number }
  | { subject: string; metric: string; peer: string; atMost: number }
  | { subject: string; metric: string; below: number; unit: string };

export interface Workload {
  id: string;
  title: string;
  /** What is measured and how the figure is computed, in a sentence or two. */
  method: string;
  /** The numbers of this run (clients, broadcasts…), from the scale. */
  size(scale: Scale): string;
  contenders: Contender[];
  columns: Column[];
  targets: Target[];
}
