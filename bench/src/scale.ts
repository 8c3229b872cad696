/** How big each workload is: the numbers, and a `--quick` smoke size that runs in seconds. */
export interface Scale {
  reps: number;
  fanout: { clients: number; broadcasts: number; warmup: number; bytes: number; perTurn: number };
  echo: { clients: number; rounds: number; warmupRounds: number; bytes: number };
  idle: { connections: number };
  http: { clients: number; broadcasts: number; warmup: number; bytes: number; perTurn: number };
  hold: { websocket: number; sse: number; longpoll: number; seconds: number; intervalMs: number; bytes: number };
  cluster: { clients: number; broadcasts: number; warmup: number; bytes: number; perTurn: number };
  slow: { clients: number; fraction: number; broadcasts: number; bytes: number; intervalMs: number };
}

export const FULL: Scale = {
  reps: 3,
  fanout: { clients: 1_000, broadcasts: 2_000, warmup: 200, bytes: 64, perTurn: 1 },
  echo: { clients: 100, rounds: 500, warmupRounds: 50, bytes: 64 },
  idle: { connections: 5_000 },
  http: { clients: 200, broadcasts: 2_000, warmup: 200, bytes: 64, perTurn: 1 },
  // 10,000 connections: the split between transports is ours (the issue names the three, not the mix).
  hold: { websocket: 6_000, sse: 2_000, longpoll: 2_000, seconds: 60, intervalMs: 100, bytes: 64 },
  cluster: { clients: 1_000, broadcasts: 2_000, warmup: 200, bytes: 64, perTurn: 1 },
  // 1,600 × 16 KiB = 25 MiB per slow client: past what loopback's socket buffers take in (4 to 7
  // MiB seen here before a paused reader's window closes) plus grappler's default maxBufferedBytes
  // (4 MiB), so a policy (or its absence) shows in RSS. Paced (one every 4 ms: 4 MiB/s per client,
  // 360 MB/s for 90 readers) so that a reader can keep up: at full speed every reader falls behind.
  slow: { clients: 100, fraction: 0.1, broadcasts: 1_600, bytes: 16_384, intervalMs: 4 },
};

export const QUICK: Scale = {
  reps: 1,
  fanout: { clients: 200, broadcasts: 200, warmup: 20, bytes: 64, perTurn: 1 },
  echo: { clients: 20, rounds: 50, warmupRounds: 10, bytes: 64 },
  idle: { connections: 500 },
  http: { clients: 50, broadcasts: 200, warmup: 20, bytes: 64, perTurn: 1 },
  hold: { websocket: 300, sse: 100, longpoll: 100, seconds: 5, intervalMs: 100, bytes: 64 },
  cluster: { clients: 200, broadcasts: 200, warmup: 20, bytes: 64, perTurn: 1 },
  slow: { clients: 50, fraction: 0.1, broadcasts: 1_600, bytes: 16_384, intervalMs: 4 },
};
