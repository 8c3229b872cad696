import { describe, expect, it } from 'vitest';
import { type CpuProfile, type ProfileNode, describeProfileSummary, partOf, summarizeProfile } from './profile-summary.js';

const GRAPPLER = 'file:///work/main/bench/.grappler-dist/core/dist/index.js';
const WS = 'file:///work/main/node_modules/.pnpm/ws@8.18.3/node_modules/ws/lib/sender.js';
const SCOPED = 'file:///app/node_modules/@socket.io/redis-adapter/dist/index.js';

const frame = (functionName: string, url = '', lineNumber = -1): ProfileNode['callFrame'] => ({ functionName, url, lineNumber });

describe('partOf', () => {
  const cases: [ProfileNode['callFrame'], ReturnType<typeof partOf>][] = [
    [frame('writeBuffer'), 'socket writes'],
    [frame('writev'), 'socket writes'],
    [frame('writeLatin1String'), 'socket writes'],
    [frame('(garbage collector)'), 'GC'],
    [frame('(idle)'), 'idle'],
    [frame('(root)'), 'idle'],
    [frame('(program)'), 'other'],
    [frame('read'), 'other'],
    [frame('writeOrBuffer', 'node:internal/streams/writable', 546), 'Node'],
    [frame('emit', 'node:events', 470), 'Node'],
    [frame('waitForWorker', 'node:internal/modules/esm/hooks', 584), 'other'],
    [frame('compileForInternalLoader', 'node:internal/bootstrap/realm', 382), 'other'],
    [frame('writeOneSlice', GRAPPLER, 757), 'grappler'],
    [frame('frame', WS, 60), 'libraries'],
    [frame('broadcast', 'file:///work/main/bench/dist/server-process.js', 10), 'other'],
  ];
  it.each(cases)('tells where %o belongs: %s', (callFrame, part) => {
    expect(partOf(callFrame)).toBe(part);
  });
});

/** A profile whose nodes are `frames` (ids 1, 2, …), sampled in the order of `samples` at the given gaps (µs). */
function profileOf(frames: ProfileNode['callFrame'][], samples: number[], deltas: number[], endTime: number): CpuProfile {
  return { nodes: frames.map((callFrame, index) => ({ id: index + 1, callFrame })), samples, timeDeltas: deltas, startTime: 0, endTime };
}

describe('summarizeProfile', () => {
  it('gives each sample the time until the next, the last one until the end, and leaves idle out', () => {
    const profile = profileOf(
      [frame('(root)'), frame('(idle)'), frame('writeBuffer'), frame('writeOneSlice', GRAPPLER, 757), frame('(garbage collector)')],
      // at 0: idle; at 1000: writeBuffer; at 4000: grappler; at 5000: writeBuffer; at 7000: GC, until 7500
      [2, 3, 4, 3, 5],
      [0, 1000, 3000, 1000, 2000],
      7500,
    );
    const summary = summarizeProfile(profile);
    expect(summary.busyMs).toBeCloseTo(6.5);
    expect(summary.parts).toEqual({ 'socket writes': 5, Node: 0, grappler: 1, libraries: 0, GC: 0.5, other: 0 });
    expect(summary.hottest).toEqual([
      { name: 'writeBuffer (native)', ms: 5 },
      { name: 'writeOneSlice (core:758)', ms: 1 },
      { name: '(garbage collector)', ms: 0.5 },
    ]);
  });

  it('counts a function sampled under several callers once, with all its time', () => {
    const profile = profileOf([frame('frame', WS, 60), frame('frame', WS, 60), frame('emit', SCOPED, 9)], [1, 2, 3, 1], [0, 100, 100, 100], 400);
    const summary = summarizeProfile(profile, 1);
    expect(summary.hottest.map((hot) => hot.name)).toEqual(['frame (ws:61)']);
    expect(summary.hottest[0]!.ms).toBeCloseTo(0.3);
    expect(summary.parts.libraries).toBeCloseTo(0.4);
  });

  it('names scoped packages with their scope', () => {
    const summary = summarizeProfile(profileOf([frame('emit', SCOPED, 9)], [1], [0], 1000));
    expect(summary.hottest).toEqual([{ name: 'emit (@socket.io/redis-adapter:10)', ms: 1 }]);
  });

  it('reads a profile with no samples as nothing busy', () => {
    const summary = summarizeProfile({ nodes: [{ id: 1, callFrame: frame('(root)') }], startTime: 0, endTime: 10 });
    expect(summary.busyMs).toBe(0);
    expect(summary.hottest).toEqual([]);
    expect(describeProfileSummary(summary)).toBe(
      'busy 0.0 s: socket writes 0% · Node 0% · grappler 0% · libraries 0% · GC 0% · other 0%; hottest: none',
    );
  });
});

describe('describeProfileSummary', () => {
  it('gives shares of busy time, with a decimal below 10 %', () => {
    const line = describeProfileSummary({
      busyMs: 2000,
      parts: { 'socket writes': 1520, Node: 180, grappler: 76, libraries: 0, GC: 8, other: 216 },
      hottest: [
        { name: 'writeBuffer (native)', ms: 1520 },
        { name: 'writeOneSlice (core:758)', ms: 76 },
      ],
    });
    expect(line).toBe(
      'busy 2.0 s: socket writes 76% · Node 9.0% · grappler 3.8% · libraries 0% · GC 0.4% · other 11%; hottest: writeBuffer (native) 76%, writeOneSlice (core:758) 3.8%',
    );
  });
});
