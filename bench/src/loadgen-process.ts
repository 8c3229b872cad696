/**
 * The load generator, in a process of its own (pinned to the other core): it opens clients of one
 * wire format or several, counts what they receive (per client, by sequence number, so loss and
 * duplicates show), times echo round trips, and makes some clients slow, as the orchestrator asks.
 */
import { wallNow } from './clock.js';
import { CLIENTS } from './loadgen/clients/index.js';
import type { BenchClient } from './loadgen/clients/types.js';
import { makePayload } from './payload.js';
import type { ConnectArgs, DeliveryReport, LoadgenCommands, SlowReport, WireKind } from './protocol.js';
import { announceReady, describe, serveCommands } from './rpc.js';
import { percentileOfSorted } from './stats.js';

const MAX_LIFETIME_MS = 15 * 60_000;
const HANDSHAKE_TIMEOUT_MS = 20_000;
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();

interface Slot {
  client: BenchClient;
  kind: WireKind;
  closed: boolean;
  slow: boolean;
}

const slots: Slot[] = [];
/** Per client: payloads received in order, and the highest seq seen. */
const distinct: number[] = [];
const lastSeq: number[] = [];
/** Per client: the resolver of an echo round trip in flight. */
const echoWaiters: (((seq: number) => void) | undefined)[] = [];
let received = 0;
let outOfOrder = 0;
let lastAt = 0;
let unstamped = false;
let expectedPerClient = 0;
let firstCloseReason = '';

const sink = {
  payload(index: number, seq: number): void {
    received++;
    unstamped = true;
    if (seq > lastSeq[index]!) {
      distinct[index]!++;
      lastSeq[index] = seq;
    } else outOfOrder++;
    const waiter = echoWaiters[index];
    if (waiter !== undefined) {
      echoWaiters[index] = undefined;
      waiter(seq);
    }
  },
  endOfRead(): void {
    if (unstamped) {
      lastAt = wallNow();
      unstamped = false;
    }
  },
};

/** Opens `count` clients, at most `concurrency` handshakes at a time. */
async function connectClients({ kind, bases, count, concurrency }: ConnectArgs) {
  const started = performance.now();
  let connected = 0;
  let failed = 0;
  let firstError = '';
  let next = 0;
  const openOne = (): Promise<void> =>
    new Promise((resolve) => {
      const index = slots.length;
      const base = new URL(bases[next++ % bases.length]!);
      distinct[index] = 0;
      lastSeq[index] = -1;
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) connected++;
        else {
          failed++;
          firstError ||= error.message;
        }
        resolve();
      };
      const timer = setTimeout(() => settle(new Error(`${kind}: no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`)), HANDSHAKE_TIMEOUT_MS);
      const slot: Slot = {
        kind,
        closed: false,
        slow: false,
        client: CLIENTS[kind]({
          index,
          host: base.hostname,
          port: Number(base.port),
          sink,
          life: {
            ready: () => settle(),
            closed: (error) => {
              slot.closed = true;
              if (firstCloseReason === '') firstCloseReason = error?.message ?? 'closed by the server';
              settle(error ?? new Error(`${kind}: closed before it was ready`));
            },
          },
        }),
      };
      slots.push(slot);
    });
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await openOne();
  });
  await Promise.all(workers);
  return { connected, failed, ms: performance.now() - started, firstError };
}

function deliveryReport(only: 'fast' | undefined): DeliveryReport {
  let lost = 0;
  let closed = 0;
  const lostByKind: Record<string, number> = {};
  for (const [index, slot] of slots.entries()) {
    if (only === 'fast' && slot.slow) continue;
    if (slot.closed) closed++;
    const missing = Math.max(0, expectedPerClient - distinct[index]!);
    lost += missing;
    lostByKind[slot.kind] = (lostByKind[slot.kind] ?? 0) + missing;
  }
  return { received, distinct: distinct.reduce((a, b) => a + b, 0), outOfOrder, lost, lastAt, lostByKind, closed, firstCloseReason };
}

function distinctOf(only: 'fast' | undefined): number {
  let sum = 0;
  for (const [index, slot] of slots.entries()) if (!(only === 'fast' && slot.slow)) sum += distinct[index]!;
  return sum;
}

/** Polls the counts until `expected` distinct payloads arrived, nothing came for `idleMs`, or `timeoutMs`. */
async function waitForDeliveries(expected: number, timeoutMs: number, idleMs: number, only: 'fast' | undefined) {
  const deadline = performance.now() + timeoutMs;
  let lastCount = -1;
  let lastChange = performance.now();
  for (;;) {
    const count = distinctOf(only);
    if (count >= expected) break;
    const now = performance.now();
    if (count !== lastCount) {
      lastCount = count;
      lastChange = now;
    } else if (now - lastChange > idleMs) break;
    if (now > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return deliveryReport(only);
}

/** Every open client does `rounds` round trips one after another; all clients at once. */
async function echo(rounds: number, bytes: number) {
  const echoing = slots.filter((slot) => !slot.closed);
  const latencies = new Float64Array(echoing.length * rounds);
  let filled = 0;
  let seq = 1;
  const started = performance.now();
  await Promise.all(
    echoing.map(async (slot) => {
      const index = slots.indexOf(slot);
      for (let round = 0; round < rounds; round++) {
        const sent = performance.now();
        const answered = new Promise<number>((resolve) => {
          echoWaiters[index] = resolve;
        });
        slot.client.send(makePayload(seq++, bytes));
        await answered;
        latencies[filled++] = performance.now() - sent;
      }
    }),
  );
  const ms = performance.now() - started;
  const sorted = latencies.subarray(0, filled).sort();
  return { roundTrips: filled, ms, p50Ms: percentileOfSorted(sorted, 50), p99Ms: percentileOfSorted(sorted, 99) };
}

async function resumeSlow(expected: number, timeoutMs: number): Promise<SlowReport> {
  const slow = slots.map((slot, index) => ({ slot, index })).filter(({ slot }) => slot.slow);
  for (const { slot } of slow) slot.client.resume();
  const deadline = performance.now() + timeoutMs;
  const settled = (): boolean => slow.every(({ slot, index }) => slot.closed || distinct[index]! >= expected);
  let lastTotal = -1;
  let lastChange = performance.now();
  while (!settled() && performance.now() < deadline) {
    const total = slow.reduce((sum, { index }) => sum + distinct[index]!, 0);
    if (total !== lastTotal) {
      lastTotal = total;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > 5_000) break; // nothing more is coming
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const got = slow.map(({ index }) => distinct[index]!);
  return {
    slow: slow.length,
    cutOff: slow.filter(({ slot }) => slot.closed).length,
    complete: got.filter((count) => count >= expected).length,
    meanReceived: got.reduce((a, b) => a + b, 0) / Math.max(1, got.length),
  };
}

serveCommands<LoadgenCommands>({
  connect: (args) => connectClients(args),
  resetCounts: ({ expectedPerClient: perClient, firstSeq }) => {
    expectedPerClient = perClient;
    distinct.fill(0);
    lastSeq.fill(firstSeq - 1);
    received = 0;
    outOfOrder = 0;
    lastAt = 0;
    firstCloseReason = '';
    return null;
  },
  deliveries: ({ expected, timeoutMs, idleMs, only }) => waitForDeliveries(expected, timeoutMs, idleMs, only),
  echo: ({ rounds, bytes }) => echo(rounds, bytes),
  pauseSome: ({ fraction }) => {
    const every = Math.max(1, Math.round(1 / fraction));
    let paused = 0;
    for (const [index, slot] of slots.entries()) {
      if (index % every === every - 1 && !slot.closed) {
        slot.slow = true;
        slot.client.pause();
        paused++;
      }
    }
    return paused;
  },
  resumeSlow: ({ expectedPerClient: perClient, timeoutMs }) => resumeSlow(perClient, timeoutMs),
  cpu: () => process.cpuUsage(),
  stop: () => {
    for (const slot of slots) slot.client.destroy();
    setImmediate(() => process.exit(0));
    return null;
  },
});
process.on('uncaughtException', (error) => {
  // A client bug must show, not hang the run: the orchestrator sees the exit and reports it.
  console.error(`loadgen: ${describe(error)}`);
  process.exit(2);
});
announceReady(0);
