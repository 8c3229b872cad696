import { Redis } from 'ioredis';
import type { ConnectionOption, RedisStorageSettings } from './options';

/** The ioredis client a storage talks through, and whether closing the storage should close it. */
export interface Connection {
  readonly client: Redis;
  readonly owned: boolean;
  /** Why Redis could not be reached, while it cannot (undefined once connected): added to error messages. */
  lastConnectionError(): Error | undefined;
  /** Ends an owned connection (letting replies in flight arrive); leaves a borrowed one alone. */
  close(): Promise<void>;
}

/** Pauses double from this, up to `maxReconnectDelayMs`. */
const FIRST_RECONNECT_DELAY_MS = 50;

/**
 * The pause before retry number `attempt` (1, 2, …): doubling from 50 ms up to `maxMs`, half of it
 * random, so that nodes that lost Redis together do not all come back at once.
 */
export function backoffMs(attempt: number, maxMs: number): number {
  const delay = Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(attempt - 1, 20), maxMs);
  return Math.ceil(delay / 2 + (Math.random() * delay) / 2);
}

/**
 * Opens a connection from `url` configured to fail fast: every command is bounded by
 * `commandTimeoutMs` (queued ones too), a connection attempt by `connectTimeoutMs`, and it
 * reconnects for as long as Redis is away, pausing at most `maxReconnectDelayMs` between attempts.
 */
export function openConnection(
  url: string,
  settings: Pick<RedisStorageSettings, ConnectionOption>,
  connectionName = 'grappler',
): Connection {
  const { maxReconnectDelayMs } = settings;
  const client = new Redis(url, {
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    maxRetriesPerRequest: settings.maxRetriesPerRequest,
    enableOfflineQueue: settings.enableOfflineQueue,
    connectionName,
    retryStrategy: (attempt) => backoffMs(attempt, maxReconnectDelayMs),
  });
  let lastError: Error | undefined;
  // Without a listener ioredis logs every failed reconnection to the console; the calls that fail
  // reject with ERR_STORAGE instead, and carry this error in their message.
  client.on('error', (error: Error) => {
    lastError = error;
  });
  client.on('ready', () => {
    lastError = undefined;
  });
  return {
    client,
    owned: true,
    lastConnectionError: () => (client.status === 'ready' ? undefined : lastError),
    close: () => quit(client),
  };
}

/** A client the application passed in: used as it is, never closed here. */
export function borrowConnection(client: Redis): Connection {
  return { client, owned: false, lastConnectionError: () => undefined, close: async () => {} };
}

/**
 * QUIT when connected, so that replies still in flight arrive first; then (or when not connected)
 * disconnect, which also stops reconnecting. Either way no socket or timer is left behind.
 */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    await client.quit().catch(() => {});
  }
  client.disconnect();
}
