import { randomFillSync } from 'node:crypto';

const ID_BYTES = 18;
const IDS_PER_FILL = 256;

// One call to the CSPRNG per 256 ids, as crypto.randomUUID() caches its random data: a
// randomBytes() per id cost a native job each, tens of µs per handshake under load. Every
// byte is used for one id only.
const pool = Buffer.allocUnsafe(ID_BYTES * IDS_PER_FILL);
let used = pool.length;

/** 144 random bits in base64url: unguessable ids for clients and sessions (24 characters). */
export function createId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const start = used;
  used += ID_BYTES;
  return pool.toString('base64url', start, used);
}
