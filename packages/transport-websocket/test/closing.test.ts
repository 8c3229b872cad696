import type { Client, Hub } from '@grappler/core';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { UPGRADE_REQUEST, nextConnection, startHub } from './start-hub';

/** A server frame as the peer sees it (servers do not mask; these tests send short payloads). */
interface SeenFrame {
  opcode: number;
  payload: string;
}

/** Splits unmasked server frames with 7-bit lengths out of `bytes`. */
function framesIn(bytes: Buffer): SeenFrame[] {
  const frames: SeenFrame[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const length = bytes[at + 1]! & 0x7f;
    if (length >= 126) throw new Error('a long frame: these tests send short ones');
    frames.push({ opcode: bytes[at]! & 0x0f, payload: bytes.subarray(at + 2, at + 2 + length).toString('latin1') });
    at += 2 + length;
  }
  return frames;
}

/** A masked client frame (RFC 6455 §5.3: a client must mask, here with the key 0). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/** A raw client that completes the handshake and keeps every byte the server sends after it. */
async function rawClient(port: number): Promise<{ socket: Socket; received: () => Buffer; ended: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let head = true;
  socket.on('data', (chunk: Buffer) => {
    if (!head) return void chunks.push(chunk);
    const end = chunk.indexOf('\r\n\r\n');
    if (end === -1) return;
    head = false;
    chunks.push(chunk.subarray(end + 4));
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(UPGRADE_REQUEST);
  return { socket, received: () => Buffer.concat(chunks), ended };
}

/** The server side of the next upgrade, seen after the hub's own handler (and so after `ws`'s listeners). */
function nextUpgradedSocket(server: Server): Promise<Duplex> {
  return new Promise((resolve) => server.once('upgrade', (_req, socket: Duplex) => resolve(socket)));
}

describe('the closing handshake', () => {
  let hub: Hub | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await hub?.close();
    hub = undefined;
  });

  /** A hub with one raw client: the hub's side, the server's TCP socket, and the peer. */
  async function oneClient(): Promise<{ client: Client; serverSocket: Duplex; peer: Awaited<ReturnType<typeof rawClient>> }> {
    const started = await startHub();
    hub = started.hub;
    const connected = nextConnection(hub);
    const upgraded = nextUpgradedSocket(started.server);
    const peer = await rawClient(started.port);
    sockets.push(peer.socket);
    const [client, serverSocket] = await Promise.all([connected, upgraded]);
    return { client, serverSocket, peer };
  }

  it("writes nothing after the close frame it answers a peer's close with, before the hub hears of it", async () => {
    const { client, serverSocket, peer } = await oneClient();
    client.write('before');

    // Runs right after `ws` read the peer's close frame and wrote its own, in the same turn:
    // `ws` is closing, the TCP socket is still open, and the hub has not been told.
    const writes: boolean[] = [];
    serverSocket.on('data', () => writes.push(client.write('after the close frame')));
    peer.socket.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    await peer.ended;

    expect(writes).toEqual([false]);
    const frames = framesIn(peer.received());
    expect(frames.map((frame) => frame.opcode)).toEqual([0x1, 0x8]);
    expect(frames[0]!.payload).toBe('before');
  });

  it('writes nothing once the peer hung up without a close frame, before the hub hears of it', async () => {
    const { client, serverSocket, peer } = await oneClient();
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));

    // Runs right after `ws` saw the end of the peer's stream and ended its own.
    const writes: boolean[] = [];
    serverSocket.on('end', () => writes.push(client.write('after the end')));
    peer.socket.end();
    await peer.ended;

    expect(writes).toEqual([false]);
    expect(peer.received().length).toBe(0);
    expect(errors).toEqual([]);
  });

  it('writes nothing once the hub closed the client, nor once the socket was terminated', async () => {
    const started = await startHub();
    hub = started.hub;
    const clients: Client[] = [];
    hub.on('connection', (client) => clients.push(client));
    const closing = await rawClient(started.port);
    const terminated = await rawClient(started.port);
    sockets.push(closing.socket, terminated.socket);
    await expect.poll(() => clients.length).toBe(2);
    const [first, second] = clients as [Client, Client];

    first.close(1000, 'bye');
    expect(first.write('after close')).toBe(false);
    second.connection!.terminate(); // as the hub does to a client past maxBufferedBytes
    expect(second.write('after terminate')).toBe(false);
    await expect.poll(() => closing.received().length).toBeGreaterThan(0);
    closing.socket.write(clientFrame(0x8, Buffer.from([0x03, 0xe8]))); // the peer's half of the handshake
    await Promise.all([closing.ended, terminated.ended]);

    expect(framesIn(closing.received()).map((frame) => frame.opcode)).toEqual([0x8]);
    expect(terminated.received().length).toBe(0);
  });
});
