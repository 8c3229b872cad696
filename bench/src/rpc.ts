/**
 * Request/answer over Node's IPC channel, typed by a command map (`protocol.ts`): the child
 * serves handlers, the orchestrator calls them and waits for the answer with a deadline.
 */
import type { ChildProcess } from 'node:child_process';
import type { RpcMessage, RpcRequest } from './protocol.js';

/** A command map: each key's `args` and `result` (an interface in protocol.ts). */
type CommandMap<C> = { [K in keyof C]: { args: unknown; result: unknown } };

export type Handlers<C extends CommandMap<C>> = {
  [K in keyof C]: (args: C[K]['args']) => C[K]['result'] | Promise<C[K]['result']>;
};

/** In a child: answers requests from the parent with `handlers`, and exits when the parent goes. */
export function serveCommands<C extends CommandMap<C>>(handlers: Handlers<C>): void {
  process.on('message', (raw) => {
    const request = raw as RpcRequest;
    const handler = handlers[request.cmd as keyof C];
    const reply = (message: RpcMessage): void => {
      process.send?.(message);
    };
    if (handler === undefined) {
      reply({ type: 'reply', id: request.id, ok: false, error: `unknown command ${request.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(request.args as C[keyof C]['args']))
      .then(
        (result) => reply({ type: 'reply', id: request.id, ok: true, result: result ?? null }),
        (error: unknown) => reply({ type: 'reply', id: request.id, ok: false, error: describe(error) }),
      );
  });
  // An orchestrator that died (or killed us) must never leave a server or 10,000 sockets behind.
  process.on('disconnect', () => process.exit(0));
}

/** Tells the parent the child is up (and on which port, for servers). */
export function announceReady(port: number): void {
  const message: RpcMessage = { type: 'ready', port };
  process.send?.(message);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The orchestrator's end of one child's channel. */
export class ChildPeer<C extends CommandMap<C>> {
  readonly child: ChildProcess;
  readonly ready: Promise<number>;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  #exited: string | null = null;

  constructor(child: ChildProcess, label: string) {
    this.child = child;
    this.ready = new Promise<number>((resolve, reject) => {
      child.on('message', (raw) => {
        const message = raw as RpcMessage;
        if (message.type === 'ready') {
          resolve(message.port);
          return;
        }
        const waiter = this.#pending.get(message.id);
        if (waiter === undefined) return;
        this.#pending.delete(message.id);
        if (message.ok) waiter.resolve(message.result);
        else waiter.reject(new Error(`${label}: ${message.error}`));
      });
      child.on('exit', (code, signal) => {
        this.#exited = `${label} exited (${signal ?? code})`;
        const error = new Error(this.#exited);
        reject(error);
        for (const waiter of this.#pending.values()) waiter.reject(error);
        this.#pending.clear();
      });
    });
    // Nobody may be waiting on `ready` when the child dies late; that is reported through calls.
    this.ready.catch(() => {});
  }

  /** Sends a command and waits for its answer, at most `timeoutMs`. */
  call<K extends keyof C & string>(cmd: K, args: C[K]['args'], timeoutMs = 60_000): Promise<C[K]['result']> {
    if (this.#exited !== null) return Promise.reject(new Error(this.#exited));
    const id = this.#nextId++;
    return new Promise<C[K]['result']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${cmd} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as C[K]['result']);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      const request: RpcRequest = { id, cmd, args };
      this.child.send(request);
    });
  }

  get exited(): boolean {
    return this.#exited !== null;
  }
}
