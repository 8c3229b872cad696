/**
 * Every Redis key this package writes, in one place (the README's "What is stored where" table):
 *
 *   <prefix>clients              set of client ids: countClients() is one SCARD
 *   <prefix>client:<id>          hash: the ClientRecord (id, node, transport, remoteAddress, connectedAt)
 *   <prefix>keys:<id>            sorted set: the client's key names, scored by expiry (ms since the epoch, +inf = none)
 *   <prefix>kv:<id>:<key>        string: one value, JSON-encoded, with its TTL as Redis's own expiry
 *   <prefix>members:<channel>    set: the ids of a channel's members (the channel name as given: it comes last)
 *   <prefix>channels:<id>        set: the channels a client is in, so that removing it needs no scan
 *   <prefix>nodes                sorted set: node ids, scored by when their liveness runs out (ms, Redis's clock)
 *   <prefix>node:<node>          set: the ids of the clients a node added (liveness.ts sweeps a dead node's)
 *   <prefix>log                  stream: the shared log's entries, id 0-<n> (log-scripts.ts)
 *   <prefix>log:meta             hash: the shared log's counter (`seq`) and `epoch`
 *   <prefix>log:marks            list: `<ms>:<n>` marks that trimming by age reads
 *   <prefix>log:origin:<origin>  string: the highest `originSeq` appended for that origin (a hub process), for 10 minutes
 *
 * In `<id>`, `%` becomes `%25` and `:` becomes `%3A`, so an encoded id holds no `:` and client "a"
 * with key "b:c" never meets client "a:b" with key "c"; ids stay readable otherwise. Keys stay as
 * given: they always come last. liveness.ts builds the same names in Lua: change both together.
 */
export interface KeyNames {
  readonly clients: string;
  client(id: string): string;
  index(id: string): string;
  value(id: string, key: string): string;
  members(channel: string): string;
  channels(id: string): string;
  readonly nodes: string;
  node(node: string): string;
  readonly log: string;
  readonly logMeta: string;
  readonly logMarks: string;
  logOrigin(origin: string): string;
}

/** The key names under one prefix. */
export function keyNames(prefix: string): KeyNames {
  return {
    clients: `${prefix}clients`,
    client: (id) => `${prefix}client:${encodeId(id)}`,
    index: (id) => `${prefix}keys:${encodeId(id)}`,
    value: (id, key) => `${prefix}kv:${encodeId(id)}:${key}`,
    members: (channel) => `${prefix}members:${channel}`,
    channels: (id) => `${prefix}channels:${encodeId(id)}`,
    nodes: `${prefix}nodes`,
    node: (node) => `${prefix}node:${encodeId(node)}`,
    log: `${prefix}log`,
    logMeta: `${prefix}log:meta`,
    logMarks: `${prefix}log:marks`,
    logOrigin: (origin) => `${prefix}log:origin:${encodeId(origin)}`,
  };
}

/** Injective, and never throws (unlike `encodeURIComponent` on a lone surrogate). */
function encodeId(id: string): string {
  return id.replaceAll('%', '%25').replaceAll(':', '%3A');
}
