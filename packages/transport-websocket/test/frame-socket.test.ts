import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameSocket } from '../src/frame-socket';

/**
 * A real Duplex whose writable side records each call that reaches it (the sizes of one write or
 * writev) and, while `held`, keeps its callbacks: a peer that stopped reading.
 */
function recordingSocket(writableHighWaterMark = 16 << 10): { socket: Duplex; calls: number[][]; release(): void; hold(): void } {
  const calls: number[][] = [];
  let held: (() => void)[] | undefined;
  const finish = (done: () => void): void => {
    if (held) held.push(done);
    else done();
  };
  const socket = new Duplex({
    writableHighWaterMark,
    read() {},
    write(chunk: Buffer, _encoding, done) {
      calls.push([chunk.length]);
      finish(done);
    },
    writev(chunks, done) {
      calls.push(chunks.map(({ chunk }) => (chunk as Buffer).length));
      finish(done);
    },
  });
  return {
    socket,
    calls,
    hold: () => {
      held = [];
    },
    release: () => {
      const callbacks = held ?? [];
      held = undefined;
      for (const done of callbacks) done();
    },
  };
}

/** The smallest connection: frames in, a count of drains out. */
class TestConnection extends FrameSocket {
  drains = 0;
  readonly #mark: number;

  constructor(socket: Duplex, mark = 64 << 10) {
    super(socket);
    this.#mark = mark;
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  protected get highWaterMarkBytes(): number {
    return this.#mark;
  }

  drained(): void {
    this.drains++;
  }

  write(frame: Uint8Array): boolean {
    return this.writeFrame(frame);
  }
}

const tickEnd = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FrameSocket: coalescing', () => {
  it('writes a lone frame at once, and the rest of a tick as one writev when the tick ends', async () => {
    const { socket, calls } = recordingSocket();
    const connection = new TestConnection(socket);
    await tickEnd();
    for (let size = 1; size <= 5; size++) connection.write(Buffer.alloc(size));
    expect(calls).toEqual([[1]]);
    await tickEnd();
    expect(calls).toEqual([[1], [2, 3, 4, 5]]);
    connection.write(Buffer.alloc(6)); // a new tick: at once again
    expect(calls).toEqual([[1], [2, 3, 4, 5], [6]]);
  });

  it('lets large frames and 16 KiB of corked ones go as they come, in order', async () => {
    const { socket, calls } = recordingSocket();
    const connection = new TestConnection(socket, 1 << 20);
    await tickEnd();
    connection.write(Buffer.alloc(10));
    connection.write(Buffer.alloc(20)); // corked
    connection.write(Buffer.alloc(64 << 10)); // large: what is corked first, then this one
    expect(calls).toEqual([[10], [20], [64 << 10]]);
    for (let index = 0; index < 3; index++) connection.write(Buffer.alloc(8 << 10)); // corked again, flushed past 16 KiB
    expect(calls.slice(3)).toEqual([[8 << 10, 8 << 10]]);
    await tickEnd();
    expect(calls.slice(4)).toEqual([[8 << 10]]);
  });

  it('corks a small frame that follows a large one in the same tick', async () => {
    const { socket, calls } = recordingSocket();
    const connection = new TestConnection(socket, 1 << 20);
    await tickEnd();
    connection.write(Buffer.alloc(32 << 10));
    connection.write(Buffer.alloc(1));
    connection.write(Buffer.alloc(2));
    expect(calls).toEqual([[32 << 10]]);
    await tickEnd();
    expect(calls).toEqual([[32 << 10], [1, 2]]);
  });
});

describe('FrameSocket: cork() and uncork() (frames the hub writes in a row)', () => {
  it('writes the frames between cork() and uncork() as one writev, the first one too', async () => {
    const { socket, calls } = recordingSocket();
    const connection = new TestConnection(socket);
    await tickEnd();
    connection.cork();
    for (let size = 1; size <= 3; size++) connection.write(Buffer.alloc(size));
    expect(calls).toEqual([]);
    connection.uncork();
    expect(calls).toEqual([[1, 2, 3]]);
    connection.write(Buffer.alloc(4)); // later in the same tick: corked until the tick ends, as after any write
    expect(calls).toEqual([[1, 2, 3]]);
    await tickEnd();
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('leaves a tick that corked already to send them when it ends', async () => {
    const { socket, calls } = recordingSocket();
    const connection = new TestConnection(socket);
    await tickEnd();
    connection.write(Buffer.alloc(1));
    connection.write(Buffer.alloc(2)); // corked for the tick
    connection.cork();
    connection.write(Buffer.alloc(3));
    connection.uncork(); // not the caller's cork: the tick's end sends them
    expect(calls).toEqual([[1]]);
    await tickEnd();
    expect(calls).toEqual([[1], [2, 3]]);
  });

  it('still lets 16 KiB of held frames go as they come', async () => {
    const { socket, calls } = recordingSocket();
    const connection = new TestConnection(socket, 1 << 20);
    connection.cork();
    for (let index = 0; index < 3; index++) connection.write(Buffer.alloc(8 << 10));
    expect(calls).toEqual([[8 << 10, 8 << 10]]);
    connection.uncork();
    expect(calls).toEqual([[8 << 10, 8 << 10], [8 << 10]]);
  });
});

describe('FrameSocket: backpressure', () => {
  it('returns false past the mark, false for every write until drained, then drains once', async () => {
    const { socket, hold, release } = recordingSocket();
    const connection = new TestConnection(socket, 64 << 10);
    hold();
    const answers: boolean[] = [];
    for (let index = 0; index < 6; index++) {
      answers.push(connection.write(Buffer.alloc(20 << 10)));
      await tickEnd();
    }
    // 20, 40, 60 KiB buffered are within 64 KiB; 80 KiB is past it, and so is every write after.
    expect(answers).toEqual([true, true, true, false, false, false]);
    expect(connection.drains).toBe(0);
    release();
    await tickEnd();
    expect(connection.bufferedBytes).toBe(0);
    expect(connection.drains).toBe(1);
    expect(connection.write(Buffer.alloc(10))).toBe(true);
    await tickEnd();
    expect(connection.drains).toBe(1);
  });

  it('counts its own mark when the socket takes more than it before saying no', async () => {
    const { socket, hold, release } = recordingSocket(1 << 20);
    const connection = new TestConnection(socket, 4 << 10);
    hold();
    expect(connection.write(Buffer.alloc(3 << 10))).toBe(true);
    await tickEnd();
    // The socket (1 MiB mark) still says yes; the connection's 4 KiB are passed.
    expect(connection.write(Buffer.alloc(3 << 10))).toBe(false);
    release();
    await tickEnd();
    expect(connection.drains).toBe(1);
  });

  it('stays under a socket that drains in time: true, and no drain to report', async () => {
    const { socket } = recordingSocket();
    const connection = new TestConnection(socket, 64 << 10);
    for (let index = 0; index < 100; index++) {
      expect(connection.write(Buffer.alloc(1 << 10))).toBe(true);
      await tickEnd();
    }
    expect(connection.drains).toBe(0);
  });
});
