import { createServer } from 'node:net';
import { rawExchange } from '@grappler/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type FlashPolicyOptions, type FlashPolicyServer, POLICY_REQUEST, encodePolicy, flashPolicyServer, renderPolicy } from '../src/index';
import { closedWithin, openRaw, slowExchange } from './slow-exchange';

const REQUEST = Buffer.from(POLICY_REQUEST).toString('latin1');
const ANY = `${renderPolicy([{ domain: '*', toPorts: '*' }])}\0`;

describe('flashPolicyServer', () => {
  const started: FlashPolicyServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()));
  });
  async function start(options: FlashPolicyOptions = {}): Promise<number> {
    const server = flashPolicyServer(options);
    started.push(server);
    return server.listen(0, '127.0.0.1');
  }

  it('answers a full request with the exact policy and a NUL, then closes', async () => {
    const port = await start();
    expect(await rawExchange(port, POLICY_REQUEST)).toEqual({ response: ANY, closed: true });
  });

  it('answers the same when the request arrives one byte at a time', async () => {
    const port = await start();
    expect(await slowExchange(port, REQUEST)).toEqual({ response: ANY, closed: true });
  });

  it('closes with nothing written on anything that is not a policy request', async () => {
    const port = await start();
    expect(await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toEqual({ response: '', closed: true });
    expect(await rawExchange(port, Uint8Array.of(0x16, 0x03, 0x01))).toEqual({ response: '', closed: true });
    expect(await slowExchange(port, '<policy-file-request/>\n')).toEqual({ response: '', closed: true });
  });

  it('closes a silent connection, or one stuck on a prefix, after timeoutMs', async () => {
    const port = await start({ timeoutMs: 100 });
    for (const prefix of ['', '<policy-file']) {
      const { socket, received } = await openRaw(port);
      const startedAt = Date.now();
      socket.write(prefix);
      expect(await closedWithin(socket, 2000)).toBe(true);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(90);
      expect(received()).toBe('');
    }
  });

  it('serves a policy derived from origins, or the explicit allow list', async () => {
    const derived = await start({ origins: ['a.example:8080', '*.b.example'], toPorts: '8080' });
    const expected = encodePolicy([
      { domain: 'a.example', toPorts: '8080' },
      { domain: '*.b.example', toPorts: '8080' },
    ]).toString('latin1');
    expect((await rawExchange(derived, POLICY_REQUEST)).response).toBe(expected);

    const allow = [{ domain: 'only.example', toPorts: '843,9000-9010' }];
    const explicit = await start({ origins: 'ignored.example', allow });
    expect((await rawExchange(explicit, POLICY_REQUEST)).response).toBe(encodePolicy(allow).toString('latin1'));
  });

  it('binds nothing until listen() and reports its address after', async () => {
    const server = flashPolicyServer();
    started.push(server);
    expect(server.address()).toBeNull();
    const port = await server.listen(0, '127.0.0.1');
    expect(server.address()).toMatchObject({ address: '127.0.0.1', port });
    await server.close();
    expect(server.address()).toBeNull();
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('rejects listen() on a taken port and keeps the process alive', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as import('node:net').AddressInfo).port;
    const logged: [string, number][] = [];
    const server = flashPolicyServer({ logger: (message, level) => logged.push([message, level]) });
    started.push(server);
    await expect(server.listen(taken, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    expect(logged.some(([message, level]) => message.includes('EADDRINUSE') && level === 3)).toBe(true);
  });

  it('survives a client that resets mid-request and logs what it did', async () => {
    const logged: [string, number][] = [];
    const port = await start({ logger: (message, level) => logged.push([message, level]) });
    const { socket } = await openRaw(port);
    socket.write('<policy');
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.resetAndDestroy();
    expect(await rawExchange(port, POLICY_REQUEST)).toEqual({ response: ANY, closed: true });
    expect(await rawExchange(port, 'nope')).toEqual({ response: '', closed: true });
    expect(logged).toContainEqual([expect.stringContaining('answered a policy request'), 1]);
    expect(logged).toContainEqual([expect.stringContaining('not a policy request'), 1]);
  });

  it('closes connections still open when close() is called', async () => {
    const server = flashPolicyServer();
    const port = await server.listen(0, '127.0.0.1');
    const { socket } = await openRaw(port);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await server.close();
    expect(await closedWithin(socket, 1000)).toBe(true);
  });
});
