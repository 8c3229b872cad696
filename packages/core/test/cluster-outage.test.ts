import { listen, waitUntil } from '@grappler/testkit';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Client, GrapplerError, type Hub, type Limits, type SharedLog, createHub, framedFormat, memoryCluster } from '../src/index';
import { openLines } from './line-client';
import { lineFormat, lineTransport } from './line-transport';

/**
 * A node's connection to a real in-memory shared log, with a switch for the faults a network
 * brings: `down` (every append fails) and `late` (the next appends are reported as timed out at
 * once, yet done 50 ms later, as when a frozen Redis wakes up to the commands it was sent).
 */
function faultyLog(log: SharedLog): SharedLog & { down: boolean; late: number; slowFailure: number } {
  const unreachable = (): GrapplerError => new GrapplerError('ERR_STORAGE', 'the log is unreachable');
  const faulty = {
    down: false,
    late: 0,
    /** The next failing append takes 100 ms to fail (a timeout), so appends after it fail first. */
    slowFailure: 0,
    async append(entry: Parameters<SharedLog['append']>[0]): Promise<number> {
      if (faulty.down && faulty.slowFailure > 0) {
        faulty.slowFailure--;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (faulty.down) throw unreachable();
      if (faulty.late > 0) {
        faulty.late--;
        setTimeout(() => void log.append(entry), 50);
        throw unreachable();
      }
      return log.append(entry);
    },
    subscribe: log.subscribe.bind(log),
    range: log.range.bind(log),
    newest: log.newest.bind(log),
    close: log.close.bind(log),
  };
  return faulty;
}

interface Lines {
  lines: string[];
  client: Client;
}

describe('a node whose shared log is unreachable', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Nodes a (with the faulty log) and b; on a a plain and a framed line client, on b a plain one. */
  async function setUp(limits: Partial<Limits> = {}) {
    const cluster = memoryCluster();
    const plain = lineFormat('plain');
    const faulty = faultyLog(cluster.connect());
    const errors: string[] = [];
    const nodes: { hub: Hub; port: number }[] = [];
    for (const [nodeId, sharedLog] of [
      ['node-a', faulty],
      ['node-b', cluster.connect()],
    ] as const) {
      const hub = createHub({ nodeId, sharedLog, limits, transports: [lineTransport(plain, '/raw'), lineTransport(framedFormat(plain), '/framed')] });
      hub.on('error', (error) => errors.push(`${nodeId}: ${error.message}`));
      const server = createServer();
      hub.attach(server);
      cleanups.push(() => hub.close());
      nodes.push({ hub, port: await listen(server) });
    }
    const [a, b] = nodes as [{ hub: Hub; port: number }, { hub: Hub; port: number }];
    const clientOf = async (node: { hub: Hub; port: number }, path: string): Promise<Lines> => {
      const connected = new Promise<Client>((resolve) => node.hub.once('connection', resolve));
      const { socket, lines } = await openLines(node.port, path);
      cleanups.push(() => void socket.destroy());
      return { lines, client: await connected };
    };
    const plainA = await clientOf(a, '/raw');
    const framedA = await clientOf(a, '/framed');
    const plainB = await clientOf(b, '/raw');
    await waitUntil(() => framedA.lines.length === 1); // its hello
    return { a: a.hub, b: b.hub, faulty, errors, plainA, framedA, plainB };
  }

  /** The messages in a framed client's lines, after its hello: [number, data]. */
  const framedData = (lines: string[]): [number, string][] =>
    lines.slice(1).map((line) => JSON.parse(line) as { s: number; d: string }).map((frame) => [frame.s, frame.d]);

  /** Enough time for a message sent twice to arrive a second time. */
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));

  it('serves its plain clients at once, and hands what it held to the log once the log is back, each once', async () => {
    const { a, b, faulty, errors, plainA, framedA, plainB } = await setUp();
    faulty.down = true;
    a.broadcast('held 1');
    a.broadcast('held 2');
    b.broadcast('from b'); // b's log works: it reaches a's clients as usual
    await waitUntil(() => plainA.lines.length === 3, "a's plain client served while the log is down");
    expect(plainA.lines.filter((line) => line.startsWith('held'))).toEqual(['held 1', 'held 2']);
    expect(plainB.lines).toEqual(['from b']); // the other node has not had a's messages yet
    expect(framedData(framedA.lines).map(([, data]) => data)).toEqual(['from b']); // framed clients wait for the log's numbers
    expect(errors.some((error) => error.startsWith('node-a:') && /unreachable/.test(error))).toBe(true);

    faulty.down = false;
    await waitUntil(() => plainB.lines.length === 3 && framedA.lines.length === 4, 'what a held, delivered once the log is back');
    await settle();
    expect(plainB.lines).toEqual(['from b', 'held 1', 'held 2']);
    expect(plainA.lines).toHaveLength(3); // not a second time
    expect(framedData(framedA.lines)).toEqual([
      [1, 'from b'],
      [2, 'held 1'],
      [3, 'held 2'],
    ]);

    a.broadcast('after');
    await waitUntil(() => plainA.lines.length === 4 && plainB.lines.length === 4 && framedA.lines.length === 5);
    expect(framedData(framedA.lines).at(-1)).toEqual([4, 'after']);
  });

  it('appends once, and delivers once, a message whose append timed out yet was done', async () => {
    const { a, faulty, plainA, framedA, plainB } = await setUp();
    faulty.late = 2; // both reported as failed (so held, retried, and delivered early), both done later
    a.broadcast('one');
    a.broadcast('two');
    await waitUntil(() => plainB.lines.length === 2 && framedA.lines.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the retries (every 500 ms) are done by now
    a.broadcast('three'); // numbered right after
    await waitUntil(() => plainB.lines.length === 3 && framedA.lines.length === 4);
    await settle();
    expect(plainA.lines).toEqual(['one', 'two', 'three']);
    expect(plainB.lines).toEqual(['one', 'two', 'three']);
    expect(framedData(framedA.lines)).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
  });

  it('delivers early in the order sent, when an append in flight fails after later messages were held', async () => {
    const { a, faulty, plainA, plainB } = await setUp();
    faulty.down = true;
    faulty.slowFailure = 1;
    a.broadcast('first'); // fails 100 ms from now
    await new Promise((resolve) => setTimeout(resolve, 20));
    a.broadcast('second'); // fails at once: held, but not delivered before 'first'
    a.broadcast('third');
    await waitUntil(() => plainA.lines.length === 3, 'all three delivered here');
    expect(plainA.lines).toEqual(['first', 'second', 'third']);
    faulty.down = false;
    await waitUntil(() => plainB.lines.length === 3);
    expect(plainB.lines).toEqual(['first', 'second', 'third']);
  });

  it('holds up to clusterQueueBytes and says how many messages reached only this node', async () => {
    const { a, faulty, errors, plainA, framedA, plainB } = await setUp({ clusterQueueBytes: 400 });
    faulty.down = true;
    const payload = (index: number): string => `${index}`.padEnd(100, '.');
    for (let index = 1; index <= 5; index++) a.broadcast(payload(index));
    await waitUntil(() => plainA.lines.length === 5, 'every message delivered here');
    await waitUntil(() => errors.some((error) => /clusterQueueBytes/.test(error)), 'the overflow reported at once');

    faulty.down = false;
    await waitUntil(() => errors.some((error) => /3 messages .* reached only this node/.test(error)), 'the count reported once the log is back');
    await waitUntil(() => plainB.lines.length === 2 && framedA.lines.length === 3);
    await settle();
    // Two fit (164 bytes each with the overhead); the other three went no further than a's plain client.
    expect(plainB.lines).toEqual([payload(1), payload(2)]);
    expect(framedData(framedA.lines).map(([, data]) => data)).toEqual([payload(1), payload(2)]);
    expect(plainA.lines).toEqual([1, 2, 3, 4, 5].map(payload));
  });
});
