import { waitUntil } from '@grappler/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestHub, connect, destroyStreams, exchange, openStream, startHub, text } from './helpers';

describe('streaming', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    destroyStreams();
    await t?.hub.close();
    t = undefined;
  });

  it('answers with a multipart/x-mixed-replace stream and the session headers', async () => {
    t = await startHub();
    const { stream, client } = await connect(t);
    const headers = stream.res.headers;
    expect(headers['content-type']).toBe(`multipart/x-mixed-replace; boundary="${stream.boundary}"`);
    expect(stream.boundary).toMatch(/^grappler-[A-Za-z0-9_-]{24}$/);
    expect(headers['cache-control']).toBe('no-cache, no-store');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers['x-grappler-seq']).toBe('0');
    expect(headers['x-grappler-session']).toMatch(/\S{16,}/);
    expect(headers['set-cookie']?.[0]).toMatch(/^grappler\.sid=/);
    expect(client.transport).toBe('xhr-multipart');
    expect(t.hub.size).toBe(1);
  });

  it('delivers text and binary broadcasts as parts', async () => {
    t = await startHub();
    const { stream } = await connect(t);
    const binary = Uint8Array.from([0, 255, 13, 10, 45, 45, 128, 7]);
    t.hub.broadcast('hello ☃');
    t.hub.broadcast(binary);
    const [first, second] = await stream.waitForMessages(2);
    expect(first).toMatchObject({ seq: 1, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    expect(first?.headers['content-transfer-encoding']).toBeUndefined();
    expect(text(first!)).toBe('hello ☃');
    expect(second).toMatchObject({ seq: 2, headers: { 'content-type': 'application/octet-stream', 'content-transfer-encoding': 'base64' } });
    expect(second?.body).toEqual(Buffer.from(binary));
  });

  it('delivers 1,000 broadcasts once each, in order', async () => {
    t = await startHub();
    const { stream } = await connect(t);
    for (let i = 0; i < 1000; i++) t.hub.broadcast(`message ${i}`);
    const messages = await stream.waitForMessages(1000);
    expect(messages.map(text)).toEqual(Array.from({ length: 1000 }, (_, i) => `message ${i}`));
    expect(messages.map((part) => part.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    t.hub.broadcast('last');
    await stream.waitForMessages(1001);
    expect(stream.messages()).toHaveLength(1001);
  });

  it('delivers client.write() to that client alone', async () => {
    t = await startHub();
    const a = await connect(t);
    const b = await connect(t);
    a.client.write('for a');
    b.client.write('for b');
    expect((await a.stream.waitForMessages(1)).map(text)).toEqual(['for a']);
    expect((await b.stream.waitForMessages(1)).map(text)).toEqual(['for b']);
  });

  it('gives every response a boundary of its own', async () => {
    t = await startHub();
    const streams = await Promise.all([openStream(t.port), openStream(t.port), openStream(t.port)]);
    expect(new Set(streams.map((stream) => stream.boundary)).size).toBe(3);
  });

  it('carries messages that contain delimiters, and the response’s own boundary, intact', async () => {
    t = await startHub();
    const { stream } = await connect(t);
    const other = await openStream(t.port);
    const b = stream.boundary;
    const attacks = [
      '--grappler-',
      '\r\n--grappler-xyz--\r\n',
      b,
      `--${b}`,
      `\r\n--${b}--\r\n`,
      `\r\n--${b}\r\nX-Grappler-Seq: 999\r\nContent-Type: text/plain\r\n\r\nforged`,
      `--${other.boundary}--`,
    ];
    for (const attack of attacks) t.hub.broadcast(attack);
    t.hub.broadcast(Buffer.from(`\r\n--${b}--\r\n`));
    t.hub.broadcast('after');
    for (const s of [stream, other]) {
      const received = await s.waitForMessages(attacks.length + 2);
      expect(received.slice(0, attacks.length).map(text)).toEqual(attacks);
      const encoded = received.slice(0, attacks.length).map((part) => part.headers['content-transfer-encoding'] === 'base64');
      expect(encoded).toEqual(attacks.map((attack) => attack.includes('--grappler-'))); // the bare boundary has no "--": safe raw
      expect(text(received[attacks.length]!)).toBe(`\r\n--${b}--\r\n`);
      expect(text(received[attacks.length + 1]!)).toBe('after');
      expect(received.map((part) => part.seq)).toEqual(received.map((_, i) => i + 1));
      expect(s.parser.ended).toBe(false);
      expect(s.parser.error).toBeUndefined();
    }
  });

  it('writes ping parts on the hub’s ticker', async () => {
    t = await startHub({ pingInterval: 50 });
    const { stream } = await connect(t);
    await waitUntil(() => stream.parts.filter((part) => part.ping).length >= 2, 'two pings');
    const ping = stream.parts.find((part) => part.ping)!;
    expect(ping).toMatchObject({ seq: undefined, headers: { 'content-type': 'application/x-grappler-ping' } });
    expect(ping.body).toHaveLength(0);
    expect(stream.messages()).toEqual([]);
  });

  it('ends the stream with the closing delimiter when the client is closed', async () => {
    t = await startHub();
    const { stream, client } = await connect(t);
    const closed = new Promise((resolve) => client.once('close', resolve));
    client.write('bye');
    client.close();
    await stream.waitForEnd();
    expect(stream.parser.ended).toBe(true);
    expect(stream.messages().map(text)).toEqual(['bye']);
    await closed;
    expect(t.hub.size).toBe(0);
  });

  it('ends every stream with the closing delimiter when the hub closes', async () => {
    t = await startHub();
    const { stream } = await connect(t);
    const ending = stream.waitForEnd();
    await t.hub.close();
    await ending;
    expect(stream.parser.ended).toBe(true);
  });

  it('serves a mounted path with no query and leaves other paths to the application', async () => {
    t = await startHub({ multipart: { path: '/push' } });
    const { stream } = await connect(t, '/push');
    t.hub.broadcast('mounted');
    expect((await stream.waitForMessages(1)).map(text)).toEqual(['mounted']);
    expect((await exchange(t.port, { path: '/?transport=xhr-multipart' })).status).toBe(404);
    expect((await exchange(t.port, { path: '/elsewhere' })).status).toBe(404);
  });

  it('leaves requests for other transports to the application', async () => {
    t = await startHub();
    expect((await exchange(t.port, { path: '/?transport=longpoll' })).status).toBe(404);
    expect((await exchange(t.port, { path: '/' })).status).toBe(404);
    expect(t.hub.size).toBe(0);
  });
});
