import type { KeyValueStore, SetOptions } from '@grappler/core';
import type { StorageContext } from './context';
import { keyLimitError, storageError } from './errors';
import { compileGlob } from '@grappler/core';
import { DEL, EXPIRE, INCR, LIVE_KEYS, runScript, SCRIPT_ERROR, type Script, SET } from './scripts';
import { decodeValue, encodeValue, incrStep, redisMs } from './value';

/**
 * One client's keys in Redis. A class so that `clientStore(id)` costs one small object and no
 * round trip. Reads are single commands (GET, PTTL); writes are scripts that keep the client's
 * index in step (see scripts.ts); `keys()` reads that index, never the whole keyspace.
 */
export class RedisKeyValueStore implements KeyValueStore {
  readonly #id: string;
  readonly #ctx: StorageContext;

  constructor(id: string, ctx: StorageContext) {
    this.#id = id;
    this.#ctx = ctx;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.#ctx.assertOpen();
    const text = await this.#ctx.send('get', () => this.#ctx.client.get(this.#value(key)));
    if (text === null) return undefined;
    try {
      return decodeValue(text) as T;
    } catch (error) {
      throw storageError('get', error); // text some other program wrote under this prefix
    }
  }

  /** Stores `value` as JSON: changing the object afterwards changes nothing stored. */
  async set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    this.#ctx.assertOpen();
    const text = encodeValue(key, value);
    const px = options?.ttlMs === undefined ? '' : redisMs('ttlMs', options.ttlMs, false);
    await this.#script('set', SET, key, [text, px, this.#ctx.maxKeys]);
  }

  async del(key: string): Promise<boolean> {
    this.#ctx.assertOpen();
    return (await this.#script('del', DEL, key, [])) === 1;
  }

  async incr(key: string, by = 1): Promise<number> {
    this.#ctx.assertOpen();
    const step = incrStep(by);
    return (await this.#script('incr', INCR, key, [step, this.#ctx.maxKeys])) as number;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.#ctx.assertOpen();
    const ms = redisMs('ttlMs', ttlMs, true);
    return (await this.#script('expire', EXPIRE, key, [ms])) === 1;
  }

  async ttl(key: string): Promise<number> {
    this.#ctx.assertOpen();
    const left = await this.#ctx.send('ttl', () => this.#ctx.client.pttl(this.#value(key)));
    // PTTL says 0 in the last millisecond of a key's life; the contract keeps 0 for nothing, as storage-memory.
    return left === 0 ? 1 : left;
  }

  async keys(pattern = '*'): Promise<string[]> {
    this.#ctx.assertOpen();
    const matches = compileGlob(pattern);
    const index = this.#ctx.names.index(this.#id);
    const live = await this.#ctx.send('keys', () => runScript(this.#ctx.client, LIVE_KEYS, [index], []));
    return (live as string[]).filter(matches);
  }

  #value(key: string): string {
    return this.#ctx.names.value(this.#id, key);
  }

  #script(operation: string, script: Script, key: string, args: string[]): Promise<unknown> {
    const keys = [this.#value(key), this.#ctx.names.index(this.#id)];
    return this.#ctx.send(operation, () => runScript(this.#ctx.client, script, keys, [key, ...args]), (error) =>
      this.#refusal(operation, key, error),
    );
  }

  /** A script's refusal as the error storage-memory gives for the same call. */
  #refusal(operation: string, key: string, error: Error): Error | undefined {
    const { message } = error;
    if (message.includes(SCRIPT_ERROR.keyLimit)) return keyLimitError(this.#ctx.maxKeysPerClient);
    if (message.includes(SCRIPT_ERROR.notInteger)) return new TypeError(`${operation}: the value of "${key}" is not an integer`);
    if (message.includes(SCRIPT_ERROR.outOfRange)) return new RangeError(`${operation}: "${key}" would leave the safe integer range`);
    return undefined;
  }
}
