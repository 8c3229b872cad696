/**
 * A framed client resuming on another node of a cluster (hubs sharing a log and a storage):
 *
 *   its node keeps a record in the client's storage: resume token, first number, upstream, channels
 *   another node, at admission: token -> client id -> record (token checked) -> the shared log's
 *   entries after the client's cursor -> at attach, a local Client with the same id adopts them
 *
 * The token is `<client id>.<secret>`, so the record is found without a global index.
 */
import type { SharedLog, SharedLogEntry } from './shared-log';
import type { Storage } from './storage';
import type { ResumeRequest } from './transport';

/** Where a framed client's resumable state lives in its key-value storage. */
export const RESUME_RECORD_KEY = 'grappler:resume';

/** What another node needs to take a framed client over. */
export interface ResumeRecord {
  readonly token: string;
  /** The hub's newest number when the client first connected: nothing older is replayed to it. */
  readonly since: number;
  /** The last upstream number delivered. */
  readonly upstream: number;
  readonly channels: readonly string[];
}

/** What a node fetched, at admission, to adopt a client that was on another node. */
export interface RemoteResume {
  readonly id: string;
  readonly record: ResumeRecord;
  /** The client's cursor, clamped to the record's `since`. */
  readonly cursor: number;
  /** The shared log's entries after the cursor (all addressings: filtered at replay). */
  readonly entries: readonly SharedLogEntry[];
  readonly evictedThrough: number;
}

/** The client id a token belongs to, or undefined for a token of another shape. */
export function clientIdOf(token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  return dot > 0 ? token.slice(0, dot) : undefined;
}

export async function saveResumeRecord(storage: Storage, id: string, record: ResumeRecord): Promise<void> {
  await storage.clientStore(id).set(RESUME_RECORD_KEY, record);
}

/**
 * Looks a token up for adoption: undefined when no node recorded it (expired, closed, or never
 * a cluster client) or the token does not match. Reads what the log holds after the cursor.
 */
export async function fetchRemoteResume(storage: Storage, log: SharedLog, request: ResumeRequest): Promise<RemoteResume | undefined> {
  const id = clientIdOf(request.token);
  if (id === undefined) return undefined;
  const record = await storage.clientStore(id).get<ResumeRecord>(RESUME_RECORD_KEY);
  if (!record || record.token !== request.token) return undefined;
  const cursor = Math.max(Number.isSafeInteger(request.seq) ? request.seq : 0, record.since);
  const { entries, evictedThrough } = await log.range(cursor);
  return { id, record, cursor, entries, evictedThrough };
}
