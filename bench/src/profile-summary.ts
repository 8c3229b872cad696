/**
 * What a V8 CPU profile of a server process (`--cpu-prof`) says, in one line: where its busy time
 * went, by the kind of code that spent it, and its hottest functions by self time. A fan-out's
 * question is how much of each delivery is the kernel's write and how much the server's own work
 * around it; this answers it for every server of a run alike, so the two can be read side by side.
 */

/** The parts of a `.cpuprofile` read here (the format of V8's `Profiler.Profile`). */
export interface CpuProfile {
  nodes: readonly ProfileNode[];
  samples?: readonly number[];
  /** Microseconds before each sample, since the one before it (the first: since `startTime`). */
  timeDeltas?: readonly number[];
  startTime: number;
  endTime: number;
}

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/**
 * The kinds of code busy time is split into:
 * - `socket writes`: Node's native stream writes (libuv's `write`/`writev` system calls and the
 *   C++ around them), what a delivery costs at the least;
 * - `Node`: Node's own JavaScript (streams, `net`, `http`, timers), less its module loader;
 * - `grappler`: grappler's packages;
 * - `libraries`: anything under `node_modules` (`ws`, Socket.IO, SockJS);
 * - `GC`: V8's garbage collector;
 * - `other`: V8 itself, other native code, the bench's own harness, loading modules (Node's
 *   loader and bootstrap, which a short run's profile is full of).
 */
export const PARTS = ['socket writes', 'Node', 'grappler', 'libraries', 'GC', 'other'] as const;
export type Part = (typeof PARTS)[number];

/** Node's native methods that hand bytes to a stream's handle (`StreamBase`), one system call each. */
const SOCKET_WRITES = new Set(['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);

/** Node's module loader and bootstrap: starting the process, not serving. */
const LOADING = ['node:internal/modules/', 'node:internal/bootstrap/', 'node:internal/main/'];

/** Where the bench puts the copy of grappler's built packages that its servers load (`snapshot.ts`). */
const GRAPPLER_DIST = '/.grappler-dist/';

export interface HotFunction {
  /** The function's name and where it is: `writeOneSlice (core:758)`, `writeBuffer (native)`. */
  name: string;
  ms: number;
}

export interface ProfileSummary {
  /** Sampled time not idle, in ms. */
  busyMs: number;
  /** Busy ms per part. */
  parts: Record<Part, number>;
  /** The functions with the most self time, most first. */
  hottest: HotFunction[];
}

/** The part a sampled function belongs to; `idle` for V8's idle and root nodes, which count as not busy. */
export function partOf(frame: ProfileNode['callFrame']): Part | 'idle' {
  const { functionName, url } = frame;
  if (url === '') {
    if (functionName === '(idle)' || functionName === '(root)') return 'idle';
    if (functionName === '(garbage collector)') return 'GC';
    return SOCKET_WRITES.has(functionName) ? 'socket writes' : 'other';
  }
  if (url.startsWith('node:')) return LOADING.some((prefix) => url.startsWith(prefix)) ? 'other' : 'Node';
  if (url.includes(GRAPPLER_DIST)) return 'grappler';
  if (url.includes('/node_modules/')) return 'libraries';
  return 'other';
}

/**
 * Sums each sample's time into its function's self time. A sample lasts until the next one
 * (`timeDeltas[i + 1]`), the last one until the profile's end.
 */
export function summarizeProfile(profile: CpuProfile, hottestCount = 5): ProfileSummary {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const selfMicros = new Map<number, number>();
  let at = profile.startTime;
  for (let index = 0; index < samples.length; index++) {
    at += deltas[index] ?? 0;
    const lasts = index + 1 < samples.length ? (deltas[index + 1] ?? 0) : Math.max(0, profile.endTime - at);
    const id = samples[index]!;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + lasts);
  }
  const parts = Object.fromEntries(PARTS.map((part) => [part, 0])) as Record<Part, number>;
  const byName = new Map<string, number>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const ms = (selfMicros.get(node.id) ?? 0) / 1000;
    const part = partOf(node.callFrame);
    if (ms === 0 || part === 'idle') continue;
    busyMs += ms;
    parts[part] += ms;
    // A function sampled under several callers has a node for each: one entry for all of them.
    const name = describeFunction(node.callFrame, part);
    byName.set(name, (byName.get(name) ?? 0) + ms);
  }
  const hottest = [...byName]
    .map(([name, ms]) => ({ name, ms }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, hottestCount);
  return { busyMs, parts, hottest };
}

/** `busy 13.9 s: socket writes 76% · Node 9% · … ; hottest: writeBuffer (native) 76%, …` */
export function describeProfileSummary(summary: ProfileSummary): string {
  const share = (ms: number): string => {
    if (ms === 0 || summary.busyMs === 0) return '0%';
    const fraction = ms / summary.busyMs;
    return `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}%`;
  };
  const parts = PARTS.map((part) => `${part} ${share(summary.parts[part])}`).join(' · ');
  const hottest = summary.hottest.map((hot) => `${hot.name} ${share(hot.ms)}`).join(', ');
  return `busy ${(summary.busyMs / 1000).toFixed(1)} s: ${parts}; hottest: ${hottest || 'none'}`;
}

/** A function as the summary names it: grappler's by package, Node's by module, libraries' by package, natives as such. */
function describeFunction(frame: ProfileNode['callFrame'], part: Part): string {
  const name = frame.functionName || '(anonymous)';
  const { url } = frame;
  if (url === '') return part === 'GC' || name.startsWith('(') ? name : `${name} (native)`;
  const line = frame.lineNumber + 1;
  const grappler = url.indexOf(GRAPPLER_DIST);
  if (grappler !== -1) return `${name} (${url.slice(grappler + GRAPPLER_DIST.length).split('/')[0]}:${line})`;
  if (url.startsWith('node:')) return `${name} (${url}:${line})`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const [scope, pkg] = url.slice(modules + '/node_modules/'.length).split('/');
    return `${name} (${scope?.startsWith('@') ? `${scope}/${pkg}` : scope}:${line})`;
  }
  return `${name} (${url.split('/').slice(-2).join('/')}:${line})`;
}
