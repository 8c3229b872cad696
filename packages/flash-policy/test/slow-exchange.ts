import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What came back on a raw connection, and whether the server closed it. */
export interface Exchange {
  response: string;
  closed: boolean;
}

/** Resolves when the peer closes the socket (true) or after `timeoutMs` (false). */
export function closedWithin(socket: Socket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Opens a raw TCP connection that records everything it receives. */
export async function openRaw(port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  await once(socket, 'connect');
  return { socket, received: () => Buffer.concat(chunks).toString('latin1') };
}

/**
 * Like testkit's rawExchange, but writes one byte at a time with `delayMs` between them, so the
 * server reads them in as many chunks (Nagle is off).
 */
export async function slowExchange(port: number, bytes: string | Uint8Array, delayMs = 5, timeoutMs = 2000): Promise<Exchange> {
  const { socket, received } = await openRaw(port);
  socket.setNoDelay(true);
  const wire = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  for (const byte of wire) {
    if (socket.destroyed) break;
    socket.write(Uint8Array.of(byte));
    await sleep(delayMs);
  }
  const closed = await closedWithin(socket, timeoutMs);
  socket.destroy();
  return { response: received(), closed };
}
