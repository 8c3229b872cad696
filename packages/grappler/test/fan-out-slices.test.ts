import type { Client } from '@grappler/core';
import { type RecordingSocket, openSocket, waitUntil } from '@grappler/testkit';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from '../src/index';

type Frame = { t?: string; s?: number; d?: string; token?: string; resumed?: boolean; id?: string };

/** A slice this short is over at every look at the clock: each slice is then 64 recipients. */
const TINY_SLICE_MS = 1e-6;

describe('a broadcast written in slices (fanOutSliceMs)', () => {
  let server: Server | undefined;
  const sockets: RecordingSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await server?.close();
    server = undefined;
  });

  it('reaches a framed client that resumes while it is under way once, through the replay', async () => {
    let gate: Promise<boolean> | undefined;
    let asked = 0;
    server = new Server({ fanOutSliceMs: TINY_SLICE_MS, pingInterval: 1000 }, undefined, () => {
      asked++;
      return gate ?? true;
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // 199 plain clients first: the framed one comes last in the hub's order, in the fan-out's last slice.
    for (let index = 0; index < 199; index++) sockets.push(await openSocket(url));
    await waitUntil(() => server!.hub.size === 199);
    const connected = once(server, 'connection') as Promise<[Client]>;
    const framed = await openSocket(url, { protocols: ['grappler.v1'] });
    sockets.push(framed);
    const [client] = await connected;
    const hello = JSON.parse((await framed.waitForMessages(1))[0]!) as Frame;
    const detached = once(client, 'detach');
    framed.ws.terminate();
    await detached;

    let release: (admit: boolean) => void = () => {};
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const resuming = openSocket(`${url}/?resume=${hello.token}&seq=${hello.s}`, { protocols: ['grappler.v1'] });
    await waitUntil(() => asked === 201); // its admission waits for the gate
    server.broadcast('during');
    setImmediate(() => release(true)); // it resumes between the second slice and the third
    const resumed = await resuming;
    sockets.push(resumed);
    await waitUntil(() => sockets.slice(0, 199).every((socket) => socket.messages.length === 1));
    server.broadcast('after');
    await resumed.waitForMessages(3);
    await waitUntil(() => sockets.slice(0, 199).every((socket) => socket.messages.length === 2));
    const frames = resumed.messages.map((text) => JSON.parse(text) as Frame);
    expect(frames[0]).toMatchObject({ t: 'hello', resumed: true, id: client.id });
    expect(frames.slice(1).map((frame) => frame.d)).toEqual(['during', 'after']);
  });
});
