/**
 * Reads for every load-generator socket go into one buffer (`net.connect`'s `onread`): no Buffer
 * per read and none of the stream machinery that 'data' events cost, which at a read per delivery
 * is most of the load generator's work. A chunk is valid only during the handler; whoever keeps
 * bytes past it (a partial frame, a body being collected) copies them, as the clients here do.
 */
import type { OnReadOpts } from 'node:net';

const READ_BUFFER = Buffer.allocUnsafe(64 << 10);

export function sharedRead(handler: (chunk: Buffer) => void): OnReadOpts {
  return {
    buffer: READ_BUFFER,
    callback(nread: number, buf: Uint8Array): boolean {
      handler((buf as Buffer).subarray(0, nread));
      return true;
    },
  };
}
