import { once } from 'node:events';
import WebSocket, { type ClientOptions } from 'ws';

/** A `ws` client that keeps every message it receives, so a test can await them in order. */
export interface RecordingSocket {
  readonly ws: WebSocket;
  readonly messages: string[];
  /** Resolves once `count` messages have arrived in all (rejects after `timeoutMs`). */
  waitForMessages(count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Opens a `ws` client and waits for the handshake to finish. */
export async function openSocket(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<RecordingSocket> {
  const { protocols, ...rest } = options;
  const ws = new WebSocket(url, protocols, rest);
  const messages: string[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data, isBinary) => {
    messages.push(isBinary ? `binary:${Buffer.from(data as Buffer).toString('hex')}` : data.toString());
    for (const wake of waiters) wake();
  });
  await once(ws, 'open');
  return {
    ws,
    messages,
    waitForMessages(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (messages.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out with ${messages.length}/${count} messages: ${JSON.stringify(messages.slice(-3))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      const closed = once(ws, 'close');
      ws.close();
      await closed;
    },
  };
}

/** Resolves with the HTTP status of a refused WebSocket handshake (rejects if it was accepted). */
export function refusedStatus(url: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('the handshake was accepted'));
    });
    ws.on('error', (error) => reject(error));
  });
}

/** Resolves when a WebSocket closes, with its close code. */
export function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}
