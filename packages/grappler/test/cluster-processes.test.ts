import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type RecordingSocket, type TestRedis, openSocket, startRedis, waitUntil } from '@grappler/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** A node of the cluster in a process of its own (test/fixtures/cluster-node.ts), driven over IPC. */
interface NodeProcess {
  readonly name: string;
  readonly url: string;
  readonly errors: string[];
  /** Runs a command on the node and resolves once it has been carried out. */
  command(command: Record<string, unknown>): Promise<void>;
  readonly child: ChildProcess;
}

const fixture = fileURLToPath(new URL('./fixtures/cluster-node.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

describe('nodes in processes of their own, sharing a real Redis', () => {
  let redis: TestRedis;
  const nodes: NodeProcess[] = [];
  const sockets: RecordingSocket[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    redis.resume(); // a failed test may leave it paused
    await Promise.all(
      nodes.splice(0).map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.disconnect(); // the node closes its server and exits
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  });

  /** Starts `count` node processes on a fresh key prefix. */
  async function startNodes(count: number): Promise<NodeProcess[]> {
    const keyPrefix = `processes-${Math.random().toString(36).slice(2)}:`;
    const started = await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const name = `node-${index + 1}`;
        const child = fork(fixture, [name, redis.url, keyPrefix], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const errors: string[] = [];
        let done: (() => void)[] = [];
        child.on('message', (message: { t: string; message?: string }) => {
          if (message.t === 'error') errors.push(message.message ?? '');
          if (message.t === 'done') done.shift()?.();
        });
        const [{ port }] = (await waitForMessage(child, 'listening')) as [{ port: number }];
        const node: NodeProcess = {
          name,
          url: `ws://127.0.0.1:${port}/`,
          errors,
          child,
          command: (command) =>
            new Promise<void>((resolve) => {
              done = [...done, resolve];
              child.send(command);
            }),
        };
        nodes.push(node);
        return node;
      }),
    );
    return started;
  }

  async function connect(node: NodeProcess, protocols: string[] = []): Promise<RecordingSocket> {
    const socket = await openSocket(node.url, { protocols });
    sockets.push(socket);
    return socket;
  }

  /** A plain client's id, from its node. */
  async function idOf(socket: RecordingSocket): Promise<string> {
    const before = socket.messages.length;
    socket.ws.send('whoami');
    const messages = await socket.waitForMessages(before + 1);
    socket.messages.splice(before, 1);
    return messages[before]!.slice('id:'.length);
  }

  async function join(socket: RecordingSocket, channel: string): Promise<void> {
    const before = socket.messages.length;
    socket.ws.send(`join:${channel}`);
    await socket.waitForMessages(before + 1);
    expect(socket.messages.splice(before, 1)).toEqual([`joined:${channel}`]);
  }

  const settle = (ms = 200): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const framedData = (socket: RecordingSocket): { s: number; d: string }[] =>
    socket.messages.slice(1).map((text) => JSON.parse(text) as { s: number; d: string });

  it('a broadcast, a channel publish and a direct send on any node reach the clients of every node, once each', async () => {
    const [one, two, three] = await startNodes(3);
    const [onOne, onTwo, onThree] = await Promise.all([connect(one!), connect(two!), connect(three!)]);
    const idOnOne = await idOf(onOne);
    await join(onTwo, 'room');
    await join(onThree, 'room');

    await one!.command({ t: 'broadcast', data: 'to everyone, from node 1' });
    await two!.command({ t: 'publish', channel: 'room', data: 'to the room, from node 2' });
    await three!.command({ t: 'send', to: idOnOne, data: 'to one client on node 1, from node 3' });
    await waitUntil(() => onOne.messages.length === 2 && onTwo.messages.length === 2 && onThree.messages.length === 2);
    await settle();
    expect(onOne.messages).toEqual(['to everyone, from node 1', 'to one client on node 1, from node 3']);
    expect(onTwo.messages).toEqual(['to everyone, from node 1', 'to the room, from node 2']);
    expect(onThree.messages).toEqual(['to everyone, from node 1', 'to the room, from node 2']);
  }, 30_000);

  it('keeps a stream flowing through a Redis that freezes for a second and a half: nothing lost, nothing twice', async () => {
    const [one, two, three] = await startNodes(3);
    const [plainOne, plainTwo, framedThree] = await Promise.all([connect(one!), connect(two!), connect(three!, ['grappler.v1'])]);
    await framedThree.waitForMessages(1); // hello
    const expected = Array.from({ length: 60 }, (_, index) => `m${index + 1}`);
    const streamed = one!.command({ t: 'stream', prefix: 'm', count: 60, everyMs: 50 });
    await waitUntil(() => plainTwo.messages.length >= 10, 'the stream under way');
    redis.pause();
    await settle(1_500);
    redis.resume();
    await streamed;
    await waitUntil(() => plainTwo.messages.length >= 60 && framedThree.messages.length >= 61, 'the whole stream on every node', 20_000);
    await settle(1_000); // a retry under way, or a duplicate, would show by now
    expect(plainOne.messages).toEqual(expected); // node 1's own plain client: served throughout
    expect(plainTwo.messages).toEqual(expected);
    const frames = framedData(framedThree);
    expect(frames.map((frame) => frame.d)).toEqual(expected);
    expect(frames.map((frame) => frame.s)).toEqual(expected.map((_, index) => frames[0]!.s + index)); // one number each, no hole
    expect(one!.errors.some((message) => /unreachable/.test(message))).toBe(true);
  }, 60_000);

  it('keeps serving through a Redis restarted empty mid-stream: never a number twice, the stream goes on', async () => {
    const [one, two] = await startNodes(2);
    const [plainTwo, framedTwo] = await Promise.all([connect(two!), connect(two!, ['grappler.v1'])]);
    await framedTwo.waitForMessages(1);
    const streamed = one!.command({ t: 'stream', prefix: 'm', count: 60, everyMs: 50 });
    await waitUntil(() => plainTwo.messages.length >= 10, 'the stream under way');
    await redis.restart(); // no persistence: the log, its numbers and the records are gone
    await streamed;
    await waitUntil(() => plainTwo.messages.includes('m60'), 'the end of the stream', 20_000);
    await settle(500);
    expect(plainTwo.ws.readyState).toBe(1); // the connections stayed up
    expect(framedTwo.ws.readyState).toBe(1);
    // What Redis held when it went down and node 2 had not read yet is lost (and reported); the rest arrives once, in order.
    const received = plainTwo.messages.map((text) => Number(text.slice(1)));
    expect([...received].sort((a, b) => a - b)).toEqual(received);
    expect(new Set(received).size).toBe(received.length);
    const numbers = framedData(framedTwo).map((frame) => frame.s);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect([...one!.errors, ...two!.errors].length).toBeGreaterThan(0);
  }, 60_000);
});

/** The next IPC message of type `t` from `child`. */
function waitForMessage(child: ChildProcess, t: string): Promise<[unknown]> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { t?: string }): void => {
      if (message.t !== t) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve([message]);
    };
    const onExit = (code: number | null): void => reject(new Error(`the node exited (${code}) before "${t}"`));
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
