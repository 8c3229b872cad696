import type { ClientRecord, Storage } from '@grappler/core';
import { borrowConnection, type Connection, openConnection } from './connection';
import { createContext, type StorageContext } from './context';
import { keyNames } from './key-names';
import { RedisKeyValueStore } from './key-value';
import { type RedisStorageOptions, resolveRedisStorageOptions } from './options';
import { decodeRecord, encodeRecord } from './record';

/** Value keys are deleted this many per UNLINK when a client is removed. */
const UNLINK_BATCH = 500;

/** Reads an ioredis MULTI reply: the replies in order, or the first command's error. */
function execReplies(replies: [Error | null, unknown][] | null): unknown[] {
  if (replies === null) throw new Error('the transaction was aborted');
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

/** The registry half of the storage: a hash per client and the set of ids. */
function registry(ctx: StorageContext) {
  const { client, names } = ctx;
  return {
    async addClient(record: ClientRecord): Promise<void> {
      ctx.assertOpen();
      const fields = encodeRecord(record);
      const key = names.client(record.id);
      // DEL first: a record added again replaces the old one whole.
      await ctx.send('addClient', async () =>
        execReplies(await client.multi().del(key).hset(key, fields).sadd(names.clients, record.id).exec()),
      );
    },
    async removeClient(id: string): Promise<void> {
      ctx.assertOpen();
      const index = names.index(id);
      // One transaction forgets the client and takes its index; the values it named go after.
      const replies = await ctx.send('removeClient', async () =>
        execReplies(
          await client.multi().del(names.client(id)).srem(names.clients, id).zrange(index, '0', '-1').del(index).exec(),
        ),
      );
      const keys = (replies[2] as string[]).map((key) => names.value(id, key));
      for (let start = 0; start < keys.length; start += UNLINK_BATCH) {
        await ctx.send('removeClient', () => client.unlink(...keys.slice(start, start + UNLINK_BATCH)));
      }
    },
    async getClient(id: string): Promise<ClientRecord | undefined> {
      ctx.assertOpen();
      const fields = await ctx.send('getClient', () => client.hgetall(names.client(id)));
      return ctx.send('getClient', async () => decodeRecord(fields));
    },
    async countClients(): Promise<number> {
      ctx.assertOpen();
      return ctx.send('countClients', () => client.scard(names.clients));
    },
  };
}

/** Builds a storage on a connection; `redisStorage()` is this with the connection made from options. */
export function createRedisStorage(connection: Connection, keyPrefix: string, maxKeysPerClient: number): Storage {
  let closed = false;
  const ctx = createContext(connection, keyNames(keyPrefix), maxKeysPerClient, () => closed);
  return {
    name: 'redis',
    ...registry(ctx),
    clientStore(id) {
      return new RedisKeyValueStore(id, ctx);
    },
    async close() {
      if (closed) return;
      closed = true;
      await connection.close();
    },
  };
}

/**
 * Storage in Redis, shared by every node that points at the same database: the client registry
 * (which node holds which client) and every client's key-value storage, with expiry done by Redis.
 * Values are stored as JSON. Redis failing rejects the call with a `GrapplerError` of code
 * `ERR_STORAGE` (ioredis's error as `cause`) within `commandTimeoutMs`; calls after `close()`
 * reject with `ERR_CLOSED`. `close()` ends the connection opened from `url`, never a `client`
 * passed in.
 *
 * @example
 * ```ts
 * import { createHub } from '@grappler/core';
 * import { redisStorage } from '@grappler/storage-redis';
 * const hub = createHub({ storage: redisStorage({ url: 'redis://127.0.0.1:6379' }) });
 * ```
 */
export function redisStorage(options: RedisStorageOptions): Storage {
  const { url, client, keyPrefix, maxKeysPerClient, ...settings } = resolveRedisStorageOptions(options);
  const connection = client ? borrowConnection(client) : openConnection(url!, settings);
  return createRedisStorage(connection, keyPrefix, maxKeysPerClient);
}
