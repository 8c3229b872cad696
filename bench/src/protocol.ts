/**
 * What the orchestrator and its two kinds of child process say to each other over IPC: the
 * servers under test, the wire formats the load generator speaks, and each side's commands with
 * their arguments and results (checked by the compiler on both ends).
 */

/** A server under test; each is one file in `servers/`. */
export type ServerName =
  | 'grappler'
  | 'ws-loop'
  | 'ws-preframed'
  | 'bare'
  | 'socketio-ws'
  | 'socketio-polling'
  | 'sockjs';

/** Where the SockJS server is mounted (the client needs it too). */
export const SOCKJS_PREFIX = '/sockjs';

/** How a server process is started: its kind, plus what a workload must change. */
export interface ServerConfig {
  name: ServerName;
  /** For the cluster workload: the Redis both nodes share. */
  redisUrl?: string;
  /** For the cluster workload: a key prefix fresh for each run, and this node's name. */
  keyPrefix?: string;
  nodeId?: string;
}

/** A wire format of the load generator: one client implementation each, whoever serves it. */
export type WireKind = 'ws' | 'eio-ws' | 'eio-polling' | 'sockjs-xhr-streaming' | 'sse' | 'xhr-multipart' | 'longpoll';

/** `process.cpuUsage()`, microseconds. */
export interface CpuUsage {
  user: number;
  system: number;
}

/** `process.memoryUsage()` after two `gc()`s. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /**
   * Bytes of V8's young generation (`new_space`) in memory: empty after a full GC, yet kept,
   * sized by how much the process allocated lately. Part of `rss`.
   */
  youngGeneration: number;
}

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** A command: its argument and what it answers. */
interface Command<A, R> {
  args: A;
  result: R;
}

export interface ServerCommands {
  /** Clients the server counts as connected right now. */
  clients: Command<null, number>;
  /** Clients the server has seen close since it started. */
  closedClients: Command<null, number>;
  /** `count` broadcasts of `bytes`-byte payloads numbered from `firstSeq`, `perTurn` per setImmediate turn. */
  burst: Command<{ count: number; firstSeq: number; perTurn: number; bytes: number }, { startedAt: number; endedAt: number }>;
  /**
   * `count` broadcasts, the k-th due k × `intervalMs` after the start by the clock: a timer that
   * fires late sends all that are due. Answers when it started (wall clock) and when the last went.
   */
  hold: Command<{ count: number; firstSeq: number; intervalMs: number; bytes: number }, { startedAt: number; endedAt: number; sent: number }>;
  memory: Command<null, MemorySample>;
  cpu: Command<null, CpuUsage>;
  /** Starts measuring event-loop delay afresh. */
  loopDelayReset: Command<null, null>;
  loopDelay: Command<null, LoopDelay>;
  /** Starts sampling RSS every `intervalMs` (forgetting the previous peak). */
  rssWatch: Command<{ intervalMs: number }, null>;
  rssPeak: Command<null, number>;
  stop: Command<null, null>;
}

export interface ConnectArgs {
  kind: WireKind;
  /** Base URLs (`http://127.0.0.1:<port>`); clients are spread over them in turn. */
  bases: string[];
  count: number;
  /** Handshakes in flight at once. */
  concurrency: number;
}

/** What the clients received since the last `resetCounts`. */
export interface DeliveryReport {
  /** Payloads received, duplicates included. */
  received: number;
  /** Payloads received in order for the first time (a client's seq above its previous one). */
  distinct: number;
  /** Payloads at or below a seq the client already had: duplicates or reordering. */
  outOfOrder: number;
  /** Σ over clients of (expected per client − distinct): what never arrived. */
  lost: number;
  /** Wall-clock time the last payload arrived (0 for none). */
  lastAt: number;
  /** `lost` per wire kind, for mixed runs. */
  lostByKind: Record<string, number>;
  /** Clients whose connection ended (by the server, or an error); with `only: 'fast'`, readers only. */
  closed: number;
  /** Why the first client that closed did ('' when none did, or it closed cleanly). */
  firstCloseReason: string;
}

export interface EchoReport {
  roundTrips: number;
  ms: number;
  p50Ms: number;
  p99Ms: number;
}

export interface SlowReport {
  slow: number;
  /** Slow clients whose connection the server ended. */
  cutOff: number;
  /** Slow clients that, once reading again, got every message. */
  complete: number;
  /** Mean messages a slow client got. */
  meanReceived: number;
}

export interface LoadgenCommands {
  connect: Command<ConnectArgs, { connected: number; failed: number; ms: number; firstError: string }>;
  /** Forgets every count; `expectedPerClient` is what `deliveries` will call lost when missing. */
  resetCounts: Command<{ expectedPerClient: number; firstSeq: number }, null>;
  /** Waits until `expected` payloads were received (or `timeoutMs`, or `idleMs` with nothing new), then reports. */
  deliveries: Command<{ expected: number; timeoutMs: number; idleMs: number; only?: 'fast' }, DeliveryReport>;
  /** Each client does `rounds` sequential round trips of a `bytes`-byte payload. */
  echo: Command<{ rounds: number; bytes: number }, EchoReport>;
  /** Stops reading on every 1/fraction-th client (they become "slow"); answers how many. */
  pauseSome: Command<{ fraction: number }, number>;
  /** Lets the slow clients read again and waits for them to catch up or be gone. */
  resumeSlow: Command<{ expectedPerClient: number; timeoutMs: number }, SlowReport>;
  cpu: Command<null, CpuUsage>;
  stop: Command<null, null>;
}

/** A request sent to a child. */
export interface RpcRequest {
  id: number;
  cmd: string;
  args: unknown;
}

/** A child's answer, or its first message (`ready`). */
export type RpcMessage =
  | { type: 'ready'; port: number }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };
