import { closeServer, listen, rawExchange, waitUntil } from '@grappler/testkit';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Client, type Connection, type ConnectionMeta, createHub, framedFormat, type Hub, type HubPort, STATE, type Transport } from '../src/index';
import { lineFormat, lineTransport } from './line-transport';

async function openLines(port: number, path = '/lines'): Promise<{ socket: Socket; lines: string[] }> {
  const socket = connect(port, '127.0.0.1');
  const lines: string[] = [];
  let buffer = '';
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const body = buffer.split('\r\n\r\n');
    if (body.length < 2) return;
    const parts = body.slice(1).join('\r\n\r\n').split('\n');
    lines.splice(0, lines.length, ...parts.slice(0, -1));
  });
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: lines\r\nConnection: Upgrade\r\n\r\n`);
  await once(socket, 'data');
  return { socket, lines };
}

/**
 * Line connections attached `size` at a time, in one synchronous loop, as a burst of handshakes
 * completing in one turn would be: the hub announces them together.
 */
function burstTransport(size: number): Transport {
  const waiting: { socket: Socket; meta: ConnectionMeta }[] = [];
  return {
    name: 'burst',
    matches: (req) => req.url === '/burst',
    handleUpgrade(req, socket, _head, hub: HubPort) {
      waiting.push({ socket: socket as Socket, meta: { transport: 'burst', req, socket, protocol: STATE.PROTO_HTTP } });
      if (waiting.length < size) return;
      const burst = waiting.splice(0);
      void Promise.all(burst.map(({ meta }) => hub.admit(meta))).then(() => {
        for (const { socket: each, meta } of burst) {
          each.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: lines\r\nConnection: Upgrade\r\n\r\n');
          const connection: Connection<Buffer> & { client: Client | undefined } = {
            format: lineFormat('plain'),
            bufferedBytes: 0,
            write: (frame) => each.write(frame),
            close: () => each.end(),
            terminate: () => each.destroy(),
            client: undefined,
          };
          connection.client = hub.attach(connection, meta);
          each.on('close', () => hub.events.closed(connection, { code: 1000, reason: '' }));
        }
      });
    },
  };
}

describe('Hub', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(hub: Hub, server: Server = createServer()): Promise<number> {
    hub.attach(server);
    cleanups.push(() => hub.close());
    return listen(server);
  }

  it('encodes a broadcast once per wire format, whatever the number of clients', async () => {
    const plain = lineFormat('plain');
    const shouting = lineFormat('shouting', (text) => text.toUpperCase());
    const hub = createHub({ transports: [lineTransport(plain, '/plain'), lineTransport(shouting, '/shout')] });
    const port = await start(hub);
    const clients = await Promise.all([
      ...Array.from({ length: 4 }, () => openLines(port, '/plain')),
      ...Array.from({ length: 3 }, () => openLines(port, '/shout')),
    ]);
    cleanups.push(() => {
      for (const c of clients) c.socket.destroy();
    });
    await waitUntil(() => hub.size === 7);
    hub.broadcast('hello');
    hub.broadcast('again');
    expect(plain.encodes).toBe(2);
    expect(shouting.encodes).toBe(2);
    await waitUntil(() => clients.every((c) => c.lines.length === 2));
    expect(clients.map((c) => c.lines.join(','))).toEqual([
      ...Array(4).fill('hello,again'),
      ...Array(3).fill('HELLO,AGAIN'),
    ]);
  });

  it('still encodes a broadcast once per format when some clients are framed', async () => {
    const plain = lineFormat('plain');
    const hub = createHub({ transports: [lineTransport(plain, '/plain'), lineTransport(framedFormat(plain), '/framed')] });
    const port = await start(hub);
    const clients = await Promise.all([
      ...Array.from({ length: 2 }, () => openLines(port, '/plain')),
      ...Array.from({ length: 3 }, () => openLines(port, '/framed')),
    ]);
    cleanups.push(() => {
      for (const c of clients) c.socket.destroy();
    });
    await waitUntil(() => hub.size === 5 && clients.slice(2).every((c) => c.lines.length === 1)); // each framed one has its hello
    const before = plain.encodes;
    hub.broadcast('hello');
    hub.broadcast('again');
    // Per broadcast: once raw, once framed (the envelope, numbered once for everyone).
    expect(plain.encodes - before).toBe(4);
    await waitUntil(() => clients.every((c) => c.lines.length === (clients.indexOf(c) < 2 ? 2 : 3)));
    expect(clients.slice(0, 2).map((c) => c.lines.join(','))).toEqual(Array(2).fill('hello,again'));
    for (const c of clients.slice(2)) {
      expect(c.lines.slice(1).map((line) => JSON.parse(line))).toEqual([
        expect.objectContaining({ s: 1, d: 'hello' }),
        expect.objectContaining({ s: 2, d: 'again' }),
      ]);
    }
  });

  it('encodes a channel publish once per format, whatever the number of members, and only members get it', async () => {
    const plain = lineFormat('plain');
    const hub = createHub({ transports: [lineTransport(plain)] });
    const port = await start(hub);
    const joined: Promise<void>[] = [];
    let connections = 0;
    hub.on('connection', (client) => {
      connections += 1;
      if (connections <= 5) joined.push(client.join('room'));
    });
    const clients = await Promise.all(Array.from({ length: 6 }, () => openLines(port)));
    cleanups.push(() => {
      for (const c of clients) c.socket.destroy();
    });
    await waitUntil(() => hub.channel('room').size === 5);
    await Promise.all(joined);
    const before = plain.encodes;
    hub.publish('room', 'to members');
    expect(plain.encodes - before).toBe(1);
    await waitUntil(() => clients.filter((c) => c.lines.includes('to members')).length === 5);
    hub.broadcast('to all');
    await waitUntil(() => clients.every((c) => c.lines.includes('to all')));
    expect(clients.filter((c) => c.lines.includes('to members'))).toHaveLength(5);
  });

  it('emits connection, then message and close on the client', async () => {
    const hub = createHub({ transports: [lineTransport(lineFormat('plain'))] });
    const port = await start(hub);
    const connected = new Promise<Client>((resolve) => hub.once('connection', resolve));
    const { socket } = await openLines(port);
    const client = await connected;
    const messages: unknown[] = [];
    client.on('message', (data) => messages.push(data));
    socket.write('one\ntwo\n');
    await waitUntil(() => messages.length === 2);
    expect(messages).toEqual(['one', 'two']);
    const closed = once(client, 'close');
    socket.end();
    await closed;
    expect(hub.size).toBe(0);
    expect(client.closed).toBe(true);
  });

  it('announces every client of a burst of handshakes once bound, even past a connection listener that throws', async () => {
    const hub = createHub({ transports: [burstTransport(3)] });
    const port = await start(hub);
    const announced: Client[] = [];
    hub.on('connection', (client) => {
      announced.push(client);
      client.write('welcome'); // bound by the time it is announced: the write reaches the peer
    });
    hub.on('connection', () => {
      if (announced.length === 1) throw new Error('a listener broke');
    });
    const uncaught: unknown[] = [];
    const vitestListeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    const capture = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', capture);
    cleanups.push(() => {
      process.removeListener('uncaughtException', capture);
      for (const listener of vitestListeners) process.on('uncaughtException', listener);
    });
    const clients = await Promise.all(Array.from({ length: 3 }, () => openLines(port, '/burst')));
    cleanups.push(() => {
      for (const c of clients) c.socket.destroy();
    });
    await waitUntil(() => clients.every((c) => c.lines.includes('welcome')));
    expect(new Set(announced).size).toBe(3);
    expect(uncaught).toEqual([expect.objectContaining({ message: 'a listener broke' })]);
  });

  it('hands requests it does not own to the application, and serves its own first', async () => {
    const hub = createHub({ transports: [lineTransport(lineFormat('plain'))] });
    const server = createServer((_req, res) => res.end('app'));
    const port = await start(hub, server);
    expect(await (await fetch(`http://127.0.0.1:${port}/lines`)).text()).toBe('lines transport\n');
    expect(await (await fetch(`http://127.0.0.1:${port}/other`)).text()).toBe('app');
  });

  it('decides admission at once when no hook has to be waited for, and waits for the accept hook', async () => {
    // Which settles first: the admission, or a microtask queued right after asking for it.
    const orders: string[][] = [];
    const probe: Transport = {
      name: 'probe',
      matches: () => true,
      async handleRequest(req, res, port) {
        const meta = { transport: 'probe', req, socket: req.socket, protocol: STATE.PROTO_HTTP };
        const order: string[] = [];
        const admitted = port.admit(meta).then((refusal) => order.push(refusal ? refusal.code : 'admitted'));
        const next = Promise.resolve().then(() => order.push('next microtask'));
        await Promise.all([admitted, next]);
        orders.push(order);
        res.end();
      },
    };
    const plain = createHub({ transports: [probe], origins: ['app.example:*'] });
    const plainPort = await start(plain);
    await fetch(`http://127.0.0.1:${plainPort}/`, { headers: { origin: 'https://app.example' } });
    await fetch(`http://127.0.0.1:${plainPort}/`, { headers: { origin: 'https://evil.example' } });
    let hookCalls = 0;
    const hooked = createHub({ transports: [probe], acceptClient: () => hookCalls++ >= 0 });
    await fetch(`http://127.0.0.1:${await start(hooked)}/`);
    expect(orders).toEqual([
      ['admitted', 'next microtask'],
      ['ERR_ORIGIN', 'next microtask'],
      ['next microtask', 'admitted'],
    ]);
    expect(hookCalls).toBe(1);
  });

  it('answers unclaimed requests with 404 and unclaimed upgrades with 400 when the app has no listener', async () => {
    const hub = createHub({ transports: [lineTransport(lineFormat('plain'))] });
    const port = await start(hub);
    expect((await fetch(`http://127.0.0.1:${port}/nothing`)).status).toBe(404);
    const { response } = await rawExchange(port, 'GET /nothing HTTP/1.1\r\nHost: x\r\nUpgrade: lines\r\nConnection: Upgrade\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });

  it("leaves unclaimed upgrades to the application's own upgrade listener", async () => {
    const hub = createHub({ transports: [lineTransport(lineFormat('plain'))] });
    const server = createServer();
    server.on('upgrade', (_req, socket: Socket) => socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\n\r\n'));
    const port = await start(hub, server);
    const { response } = await rawExchange(port, 'GET /tea HTTP/1.1\r\nHost: x\r\nUpgrade: tea\r\nConnection: Upgrade\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 418/);
    const { socket } = await openLines(port);
    await waitUntil(() => hub.size === 1);
    socket.destroy();
  });

  it('works as Connect/Express middleware: next() for requests it does not own', async () => {
    const hub = createHub({ transports: [lineTransport(lineFormat('plain'))] });
    cleanups.push(() => hub.close());
    const middleware = hub.middleware();
    const server = createServer((req, res) => middleware(req, res, () => res.end(`next:${req.url}`)));
    cleanups.push(() => closeServer(server));
    const port = await listen(server);
    expect(await (await fetch(`http://127.0.0.1:${port}/lines`)).text()).toBe('lines transport\n');
    expect(await (await fetch(`http://127.0.0.1:${port}/page`)).text()).toBe('next:/page');
  });

  it('close() severs every client, closes attached servers and emits close', async () => {
    const hub = createHub({ transports: [lineTransport(lineFormat('plain'))] });
    const server = createServer();
    const port = await start(hub, server);
    const clients = await Promise.all([openLines(port), openLines(port)]);
    await waitUntil(() => hub.size === 2);
    const ended = clients.map((c) => once(c.socket, 'close'));
    const closeEvent = once(hub, 'close');
    await hub.close();
    await Promise.all(ended);
    await closeEvent;
    expect(server.listening).toBe(false);
    expect(hub.size).toBe(0);
  });

  it('reports storage failures through error and the logger, not a crash', async () => {
    const logged: [string, number][] = [];
    const failing = {
      name: 'failing',
      addClient: () => Promise.reject(new Error('storage down')),
      removeClient: () => Promise.resolve(),
      getClient: () => Promise.resolve(undefined),
      countClients: () => Promise.resolve(0),
      addMember: () => Promise.resolve(),
      removeMember: () => Promise.resolve(),
      members: () => Promise.resolve([]),
      countMembers: () => Promise.resolve(0),
      clientStore: () => {
        throw new Error('unused');
      },
      close: () => Promise.resolve(),
    };
    const hub = createHub({ storage: failing, transports: [lineTransport(lineFormat('plain'))], logger: (m, l) => logged.push([m, l]) });
    const errors: Error[] = [];
    hub.on('error', (error) => errors.push(error));
    const port = await start(hub);
    const { socket } = await openLines(port);
    cleanups.push(() => void socket.destroy());
    await waitUntil(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ code: 'ERR_STORAGE', message: 'storage.addClient failed: storage down' });
    expect(errors[0]?.cause).toMatchObject({ message: 'storage down' });
    expect(logged).toContainEqual(['storage.addClient failed: storage down', 3]);
    expect(hub.size).toBe(1);
  });

  it('explains that client.storage needs a backend', async () => {
    const hub = createHub({ transports: [lineTransport(lineFormat('plain'))] });
    const port = await start(hub);
    const connected = new Promise<Client>((resolve) => hub.once('connection', resolve));
    const { socket } = await openLines(port);
    cleanups.push(() => void socket.destroy());
    const client = await connected;
    expect(() => client.storage).toThrow(/memoryStorage\(\)/);
  });

  it('validates its options', () => {
    expect(() => createHub({ pingInterval: 0 })).toThrow(/pingInterval/);
    expect(() => createHub({ origins: 'http://x' })).toThrow(/origins/);
    expect(() => createHub({ limits: { maxClients: -1 } })).toThrow(/maxClients/);
  });
});
