import type { ClientRecord, Storage } from '@grappler/core';
import { borrowConnection, type Connection, openConnection } from './connection';
import { createContext, type StorageContext } from './context';
import { keyNames } from './key-names';
import { HEARTBEAT } from './liveness';
import { runScript } from './scripts';
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

/** The registry half of the storage: a hash per client, the set of ids, and which node added which (liveness.ts). */
function registry(ctx: StorageContext, keyPrefix: string) {
  const { client, names } = ctx;
  return {
    async addClient(record: ClientRecord): Promise<void> {
      ctx.assertOpen();
      const fields = encodeRecord(record);
      const key = names.client(record.id);
      // A client another node held (taken over) leaves that node's set: a sweep of it must not touch it.
      const previous = await ctx.send('addClient', () => client.hget(key, 'node'));
      await ctx.send('addClient', async () => {
        // DEL first: a record added again replaces the old one whole.
        const multi = client.multi().del(key).hset(key, fields).sadd(names.clients, record.id).sadd(names.node(record.node), record.id);
        if (previous !== null && previous !== record.node) multi.srem(names.node(previous), record.id);
        return execReplies(await multi.exec());
      });
    },
    async removeClient(id: string): Promise<void> {
      ctx.assertOpen();
      const index = names.index(id);
      const [node, channels] = await ctx.send('removeClient', async () =>
        execReplies(await client.multi().hget(names.client(id), 'node').smembers(names.channels(id)).exec()),
      ) as [string | null, string[]];
      // One transaction forgets the client, its channels and its index; the values it named go after.
      const replies = await ctx.send('removeClient', async () => {
        const multi = client.multi().zrange(index, '0', '-1').del(names.client(id)).srem(names.clients, id).del(index).del(names.channels(id));
        if (node !== null) multi.srem(names.node(node), id);
        for (const channel of channels) multi.srem(names.members(channel), id);
        return execReplies(await multi.exec());
      });
      const keys = (replies[0] as string[]).map((key) => names.value(id, key));
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
    async addMember(channel: string, id: string): Promise<void> {
      ctx.assertOpen();
      await ctx.send('addMember', async () => execReplies(await client.multi().sadd(names.members(channel), id).sadd(names.channels(id), channel).exec()));
    },
    async removeMember(channel: string, id: string): Promise<void> {
      ctx.assertOpen();
      await ctx.send('removeMember', async () => execReplies(await client.multi().srem(names.members(channel), id).srem(names.channels(id), channel).exec()));
    },
    async members(channel: string): Promise<string[]> {
      ctx.assertOpen();
      return ctx.send('members', () => client.smembers(names.members(channel)));
    },
    async countMembers(channel: string): Promise<number> {
      ctx.assertOpen();
      return ctx.send('countMembers', () => client.scard(names.members(channel)));
    },
    async heartbeat(node: string, ttlMs: number, graceMs: number): Promise<number> {
      ctx.assertOpen();
      for (const [name, value] of [
        ['ttlMs', ttlMs],
        ['graceMs', graceMs],
      ] as const) {
        if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`heartbeat: "${name}" must be an integer number of milliseconds, got ${value}`);
      }
      const args = [keyPrefix, node, String(ttlMs), String(graceMs)];
      return Number(await ctx.send('heartbeat', () => runScript(client, HEARTBEAT, [names.nodes, names.clients], args)));
    },
  };
}

/** Builds a storage on a connection; `redisStorage()` is this with the connection made from options. */
export function createRedisStorage(connection: Connection, keyPrefix: string, maxKeysPerClient: number): Storage {
  let closed = false;
  const ctx = createContext(connection, keyNames(keyPrefix), maxKeysPerClient, () => closed);
  return {
    name: 'redis',
    ...registry(ctx, keyPrefix),
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
