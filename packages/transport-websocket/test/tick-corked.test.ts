import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TickCorkedWriter } from '../src/tick-corked';

/** A real Duplex whose writable side records each call that reaches it: the sizes of one write or writev. */
function recordingSocket(): { socket: Duplex; calls: number[][] } {
  const calls: number[][] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      calls.push([chunk.length]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map(({ chunk }) => (chunk as Buffer).length));
      done();
    },
  });
  return { socket, calls };
}

const tickEnd = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TickCorkedWriter', () => {
  it('writes a lone frame at once, and the rest of a tick as one writev when the tick ends', async () => {
    const { socket, calls } = recordingSocket();
    const writer = new TickCorkedWriter(socket);
    await tickEnd();
    for (let size = 1; size <= 5; size++) writer.write(Buffer.alloc(size));
    expect(calls).toEqual([[1]]);
    await tickEnd();
    expect(calls).toEqual([[1], [2, 3, 4, 5]]);
    writer.write(Buffer.alloc(6)); // a new tick: at once again
    expect(calls).toEqual([[1], [2, 3, 4, 5], [6]]);
  });

  it('lets large frames and 16 KiB of corked ones go as they come, in order', async () => {
    const { socket, calls } = recordingSocket();
    const writer = new TickCorkedWriter(socket);
    await tickEnd();
    writer.write(Buffer.alloc(10));
    writer.write(Buffer.alloc(20)); // corked
    writer.write(Buffer.alloc(64 << 10)); // large: what is corked first, then this one
    expect(calls).toEqual([[10], [20], [64 << 10]]);
    for (let index = 0; index < 3; index++) writer.write(Buffer.alloc(8 << 10)); // corked again, flushed past 16 KiB
    expect(calls.slice(3)).toEqual([[8 << 10, 8 << 10]]);
    await tickEnd();
    expect(calls.slice(4)).toEqual([[8 << 10]]);
  });
});
