/**
 * The Lua scripts of the shared log. The log is three keys (see key-names.ts):
 *
 *   <prefix>log         stream: one entry per message, id `0-<n>`, so ids are the numbers
 *   <prefix>log:meta    hash: `seq` (the counter: the newest number given) and `epoch` (a random id
 *                       set once, with the first number: a Redis that lost the log has another one)
 *   <prefix>log:marks   list of `<ms>:<n>`: "entry n was appended at ms", about 16 per maxAgeMs,
 *                       oldest first: the age index trimming by age reads instead of the entries
 *
 * APPEND numbers and stores an entry in one atomic step, so numbers and stream order agree on every
 * node. Ids `0-<n>` leave no time in the id (`XTRIM MINID` by time is impossible), and reading the
 * oldest entries' own time would copy their payloads on every append: the marks answer "up to which
 * number is everything older than maxAgeMs" by reading two list items.
 */
import { createHash } from 'node:crypto';
import type { Script } from './scripts';

const script = (name: string, source: string): Script =>
  Object.freeze({ name, source, sha: createHash('sha1').update(source).digest('hex') });

/** How long the log remembers an origin's newest `originSeq`: far longer than any retry waits. */
export const ORIGIN_MEMORY_MS = 600_000;

/**
 * KEYS[1] = stream, KEYS[2] = meta, KEYS[3] = marks, KEYS[4] = the origin's key; ARGV[1] = an
 * epoch to set if none is, ARGV[2] = maxEntries or 'inf', ARGV[3] = maxAgeMs or 'inf', ARGV[4] =
 * the entry's originSeq or '' (then KEYS[4] is not used), ARGV[5…] = the entry's fields.
 * Returns the entry's number, or 0 when its origin has appended that originSeq or a later one
 * (a retry of an append that was done). Times are Redis's clock (TIME), the same for every node.
 */
export const APPEND: Script = script(
  'append',
  `
local function int(x) return string.format('%.0f', x) end
if ARGV[4] ~= '' and tonumber(ARGV[4]) <= tonumber(redis.call('GET', KEYS[4]) or '0') then
  return 0
end
redis.call('HSETNX', KEYS[2], 'epoch', ARGV[1])
local n = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
local added
if ARGV[2] == 'inf' then
  added = redis.pcall('XADD', KEYS[1], '0-' .. int(n), unpack(fields))
else
  added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '0-' .. int(n), unpack(fields))
end
-- The stream holds a number the counter has not reached (the counter was lost or edited, not
-- the stream): refuse, and leave the counter as it was, since scripts are not rolled back.
if type(added) == 'table' and added.err then
  redis.call('HINCRBY', KEYS[2], 'seq', -1)
  return added
end
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[4], ARGV[4], 'PX', '${ORIGIN_MEMORY_MS}')
end
if ARGV[3] ~= 'inf' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local age = tonumber(ARGV[3])
  local function at(mark) return tonumber(string.match(mark, '^(%d+):')) end
  local last = redis.call('LINDEX', KEYS[3], -1)
  if not last or now - at(last) >= math.max(1, math.floor(age / 16)) then
    redis.call('RPUSH', KEYS[3], int(now) .. ':' .. int(n))
  end
  -- Keep the newest mark older than the cutoff first: its entry and all before it are older.
  local cutoff = now - age
  while true do
    local second = redis.call('LINDEX', KEYS[3], 1)
    if not second or at(second) >= cutoff then break end
    redis.call('LPOP', KEYS[3])
  end
  local first = redis.call('LINDEX', KEYS[3], 0)
  if first and at(first) < cutoff then
    redis.call('XTRIM', KEYS[1], 'MINID', '0-' .. int(tonumber(string.match(first, ':(%d+)$')) + 1))
  end
  -- A log nobody appends to for maxAgeMs holds only entries older than that: let Redis drop it.
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return n
`,
);

/**
 * KEYS[1] = meta; ARGV[1] = an epoch to set if none is. Returns [epoch, seq or false]: where a
 * subscriber starts, and which log it is reading.
 */
export const START: Script = script(
  'start',
  `
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
return redis.call('HMGET', KEYS[1], 'epoch', 'seq')
`,
);
