/**
 * The Lua scripts behind every key-value write. A script runs atomically in Redis, so a value and
 * its entry in the client's index (`<prefix>keys:<id>`, a sorted set scored by expiry) never
 * disagree, and the key limit is checked and applied in one step, even with many nodes writing.
 *
 * Every write takes KEYS[1] = the value key and KEYS[2] = the index, ARGV[1] = the key's name
 * (the index member), and first drops index entries whose expiry has passed, so the index holds
 * about as many entries as the client has live keys. Times come from Redis's clock (TIME), the
 * same clock that expires the keys, never from a node's.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A script and its SHA-1, for EVALSHA. */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

/** Error replies a script can give (Redis sends them as `ERR <code>`), mapped to TypeError/RangeError by the caller. */
export const SCRIPT_ERROR: Readonly<{ keyLimit: string; notInteger: string; outOfRange: string }> = Object.freeze({
  keyLimit: 'GRAPPLER_KEY_LIMIT',
  notInteger: 'GRAPPLER_NOT_INTEGER',
  outOfRange: 'GRAPPLER_OUT_OF_RANGE',
});

/** `now` on Redis's clock, and `prune(index)`: drops the index entries whose expiry has passed. */
const CLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function ms(n) return string.format('%.0f', n) end
local function prune(index) redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. ms(now)) end
`;

/** For writes: KEYS[1] = value key, KEYS[2] = index, ARGV[1] = the key's name; prunes the index first. */
const WRITE = `
prune(KEYS[2])
-- Whether ARGV[1] may be added under the limit max ('inf' = none): a key already there always may.
local function admit(max)
  if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return true end
  return max == 'inf' or redis.call('ZCARD', KEYS[2]) < tonumber(max)
end
-- Scores the index entry with the value key's own expiry, or removes it with the key.
local function track()
  local left = redis.call('PTTL', KEYS[1])
  if left == -2 then redis.call('ZREM', KEYS[2], ARGV[1])
  elseif left == -1 then redis.call('ZADD', KEYS[2], 'inf', ARGV[1])
  else redis.call('ZADD', KEYS[2], ms(now + left), ARGV[1]) end
end
`;

const script = (name: string, body: string, write = true): Script => {
  const source = CLOCK + (write ? WRITE : '') + body;
  return Object.freeze({ name, source, sha: createHash('sha1').update(source).digest('hex') });
};

/** ARGV[2] = JSON text, ARGV[3] = PX milliseconds or '' for none, ARGV[4] = maxKeysPerClient or 'inf'. */
export const SET: Script = script(
  'set',
  `
if not admit(ARGV[4]) then return redis.error_reply('${SCRIPT_ERROR.keyLimit}') end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2])
else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
track()
return 1
`,
);

/**
 * ARGV[2] = step, ARGV[3] = maxKeysPerClient or 'inf'. Only what JSON writes for a safe integer
 * counts as an integer (not "5", not 2^60), as in storage-memory; INCRBY keeps the key's TTL.
 * Lua numbers are doubles: exact across the safe integer range, which is all this allows.
 */
export const INCR: Script = script(
  'incr',
  `
local max = 9007199254740991
local current = redis.call('GET', KEYS[1])
if not current then
  if not admit(ARGV[3]) then return redis.error_reply('${SCRIPT_ERROR.keyLimit}') end
  redis.call('SET', KEYS[1], ARGV[2])
  track()
  return tonumber(ARGV[2])
end
local n = string.match(current, '^%-?%d+$') and tonumber(current)
if not n or n > max or n < -max then return redis.error_reply('${SCRIPT_ERROR.notInteger}') end
local result = n + tonumber(ARGV[2])
if result > max or result < -max then return redis.error_reply('${SCRIPT_ERROR.outOfRange}') end
redis.call('INCRBY', KEYS[1], ARGV[2])
track()
return result
`,
);

/** ARGV[2] = whole milliseconds; '0' deletes the key, as PEXPIRE with a deadline already passed. */
export const EXPIRE: Script = script(
  'expire',
  `
local done
if ARGV[2] == '0' then done = redis.call('DEL', KEYS[1])
else done = redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
track()
return done
`,
);

export const DEL: Script = script(
  'del',
  `
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return existed
`,
);

/** KEYS[1] = the index: the names of the client's live keys, in no particular order. */
export const LIVE_KEYS: Script = script(
  'keys',
  `
prune(KEYS[1])
return redis.call('ZRANGEBYSCORE', KEYS[1], ms(now), '+inf')
`,
  false,
);

/**
 * Runs `script` with EVALSHA, and with EVAL when Redis does not have it cached (first use, or a
 * restarted Redis). Scripts are not registered on the client (`defineCommand`): a client passed
 * in by the application stays as it was.
 */
export async function runScript(
  client: Redis,
  script: Script,
  keys: readonly string[],
  args: readonly (string | Buffer)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
