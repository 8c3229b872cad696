import type { Redis } from 'ioredis';
import type { Connection } from './connection';
import { closedError, storageError } from './errors';
import type { KeyNames } from './key-names';

/** What the registry and every client's key-value store share: one connection, one prefix, one limit. */
export interface StorageContext {
  readonly client: Redis;
  readonly names: KeyNames;
  /** `maxKeysPerClient` as the scripts take it: an integer, or 'inf'. */
  readonly maxKeys: string;
  readonly maxKeysPerClient: number;
  /** Throws (so the async caller rejects) once the storage is closed. */
  assertOpen(): void;
  /**
   * Runs one exchange with Redis. A failure rejects with ERR_STORAGE naming `operation`, unless
   * `translate` turns it into an error of its own (a script's refusal: a TypeError or RangeError).
   */
  send<T>(operation: string, exchange: () => Promise<T>, translate?: (error: Error) => Error | undefined): Promise<T>;
}

/** Builds the context of one storage; `isClosed` is read on every call. */
export function createContext(
  connection: Connection,
  names: KeyNames,
  maxKeysPerClient: number,
  isClosed: () => boolean,
): StorageContext {
  return {
    client: connection.client,
    names,
    maxKeys: maxKeysPerClient === Number.POSITIVE_INFINITY ? 'inf' : String(maxKeysPerClient),
    maxKeysPerClient,
    assertOpen() {
      if (isClosed()) throw closedError();
    },
    async send(operation, exchange, translate) {
      try {
        return await exchange();
      } catch (error) {
        const own = error instanceof Error ? translate?.(error) : undefined;
        if (own) throw own;
        const unreachable = connection.lastConnectionError();
        throw storageError(operation, error, unreachable && `Redis unreachable: ${unreachable.message}`);
      }
    },
  };
}
