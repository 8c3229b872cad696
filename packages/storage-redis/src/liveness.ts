/**
 * Which nodes are alive, so that the registry forgets the clients of a node that died without
 * closing them (SIGKILL, a lost machine). Each node says it is alive on every tick of its hub:
 *
 *   <prefix>nodes        sorted set: node -> when its liveness runs out (Redis's clock)
 *   <prefix>node:<node>  set: the client ids that node added
 *
 * The same script then sweeps the nodes whose liveness ran out: their clients' records and channel
 * memberships go at once (so `countClients()` and `countMembers()` count live nodes' clients only), and once `graceMs` more has
 * passed, the key-value storage of those that no other node took over (a framed client that
 * resumed elsewhere got a new record there; its resume record and values stay).
 */
import { createHash } from 'node:crypto';
import type { Script } from './scripts';

/**
 * KEYS[1] = nodes, KEYS[2] = clients; ARGV[1] = the key prefix, ARGV[2] = this node, ARGV[3] =
 * ttlMs, ARGV[4] = graceMs. Returns how many client records it removed. The key names are
 * key-names.ts's, built here in Lua (ids encoded the same way).
 */
const source = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local prefix = ARGV[1]
local function enc(id) return (string.gsub(id, '[%%:]', { ['%'] = '%25', [':'] = '%3A' })) end
redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[3])), ARGV[2])
local grace = tonumber(ARGV[4])
local removed = 0
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', now))) do
  local members = prefix .. 'node:' .. enc(dead)
  local expired = now - tonumber(redis.call('ZSCORE', KEYS[1], dead)) >= grace
  for _, id in ipairs(redis.call('SMEMBERS', members)) do
    local record = prefix .. 'client:' .. enc(id)
    -- Still that node's (not taken over by another): the registry forgets it.
    if redis.call('HGET', record, 'node') == dead then
      redis.call('DEL', record)
      redis.call('SREM', KEYS[2], id)
      local channels = prefix .. 'channels:' .. enc(id)
      for _, channel in ipairs(redis.call('SMEMBERS', channels)) do
        redis.call('SREM', prefix .. 'members:' .. channel, id)
      end
      redis.call('DEL', channels)
      removed = removed + 1
    end
    if expired and redis.call('EXISTS', record) == 0 then
      local index = prefix .. 'keys:' .. enc(id)
      for _, key in ipairs(redis.call('ZRANGE', index, 0, -1)) do
        redis.call('UNLINK', prefix .. 'kv:' .. enc(id) .. ':' .. key)
      end
      redis.call('UNLINK', index)
    end
  end
  if expired then
    redis.call('UNLINK', members)
    redis.call('ZREM', KEYS[1], dead)
  end
end
return removed
`;

export const HEARTBEAT: Script = Object.freeze({ name: 'heartbeat', source, sha: createHash('sha1').update(source).digest('hex') });
