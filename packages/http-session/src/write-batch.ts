import { corkUntilRun } from '@grappler/core';
import type { ServerResponse } from 'node:http';

/**
 * `res.write(chunk)` for a session's batch of frames. From the tick's end, where sessions flush,
 * the socket stays corked until every listener of that run has written, and then each socket
 * goes to the kernel in turn (`corkUntilRun`): no `process.nextTick` per response (a response
 * uncorks its socket in one of its own), and when a fan-out slice runs the tick's end early, the
 * writes happen within the slice's time. Anywhere else it is `res.write`.
 */
export function writeBatch(res: ServerResponse, chunk: Uint8Array | string): boolean {
  const socket = res.socket;
  if (socket !== null && socket.writableCorked === 0) corkUntilRun(socket);
  return res.write(chunk);
}
