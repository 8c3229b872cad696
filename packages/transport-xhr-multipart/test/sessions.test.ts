import type { Client, CloseReason, GrapplerError } from '@grappler/core';
import { waitUntil } from '@grappler/testkit';
import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestHub, connect, destroyStreams, exchange, nextConnection, openStream, post, serverSideClosed, startHub, text } from './helpers';

const messagesOf = (client: Client): (string | Uint8Array)[] => {
  const received: (string | Uint8Array)[] = [];
  client.on('message', (data) => received.push(data));
  return received;
};

describe('sessions', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    destroyStreams();
    await t?.hub.close();
    t = undefined;
  });

  it('resumes after the last seq received: the missed messages once, in order, on the same client', async () => {
    t = await startHub();
    const { stream, client } = await connect(t);
    for (const word of ['one', 'two', 'three']) t.hub.broadcast(word);
    const seen = await stream.waitForMessages(3);
    const last = seen.at(-1)!.seq!;
    expect(last).toBe(3);
    stream.destroy();
    await serverSideClosed(t, stream);
    for (const word of ['four', 'five', 'six']) t.hub.broadcast(word);
    let connections = 0;
    t.hub.on('connection', () => connections++);
    const resumed = await openStream(t.port, `/?transport=xhr-multipart&session=${stream.sessionId}&seq=${last}`);
    expect(resumed.res.headers['x-grappler-seq']).toBe('6');
    expect(resumed.res.headers['x-grappler-session']).toBe(stream.sessionId);
    expect(resumed.boundary).not.toBe(stream.boundary);
    await resumed.waitForMessages(3);
    t.hub.broadcast('seven');
    const after = await resumed.waitForMessages(4);
    expect(after.map(text)).toEqual(['four', 'five', 'six', 'seven']);
    expect(after.map((part) => part.seq)).toEqual([4, 5, 6, 7]);
    expect(resumed.messages()).toHaveLength(4);
    expect(connections).toBe(0);
    expect(t.hub.size).toBe(1);
    expect(client.closed).toBe(false);
  });

  it('resends what went to a dropped response the server had not noticed yet', async () => {
    t = await startHub();
    const { stream } = await connect(t);
    t.hub.broadcast('seen');
    await stream.waitForMessages(1);
    stream.destroy();
    t.hub.broadcast('maybe lost'); // written before or after the server sees the drop
    const resumed = await openStream(t.port, `/?transport=xhr-multipart&session=${stream.sessionId}&seq=1`);
    t.hub.broadcast('after');
    expect((await resumed.waitForMessages(2)).map(text)).toEqual(['maybe lost', 'after']);
  });

  it('ends the previous response of a session with the closing delimiter when another takes over', async () => {
    t = await startHub();
    const { stream } = await connect(t);
    const second = await openStream(t.port, `/?transport=xhr-multipart&session=${stream.sessionId}`);
    await stream.waitForEnd();
    expect(stream.parser.ended).toBe(true);
    t.hub.broadcast('to the new one');
    expect((await second.waitForMessages(1)).map(text)).toEqual(['to the new one']);
    expect(t.hub.size).toBe(1);
  });

  it('answers an unknown session with 404 ERR_UNKNOWN_SESSION, for GET and POST', async () => {
    t = await startHub();
    const got = await exchange(t.port, { path: '/?transport=xhr-multipart&session=nope&seq=3' });
    expect(got.status).toBe(404);
    expect(JSON.parse(got.body)).toMatchObject({ error: 'ERR_UNKNOWN_SESSION' });
    const posted = await post(t.port, 'nope', 'hello');
    expect(posted.status).toBe(404);
    expect(JSON.parse(posted.body)).toMatchObject({ error: 'ERR_UNKNOWN_SESSION' });
    expect(t.hub.size).toBe(0);
  });

  it('turns POSTed text/plain and JSON arrays into message events on the same client', async () => {
    t = await startHub();
    const { stream, client } = await connect(t);
    const received = messagesOf(client);
    expect((await post(t.port, stream.sessionId, 'hello ☃')).status).toBe(204);
    expect((await post(t.port, stream.sessionId, JSON.stringify(['a', 'b\r\n--grappler-', 'c']), 'application/json')).status).toBe(204);
    expect((await post(t.port, stream.sessionId, JSON.stringify('one'), 'application/json; charset=utf-8')).status).toBe(204);
    expect(received).toEqual(['hello ☃', 'a', 'b\r\n--grappler-', 'c', 'one']);
    expect(t.hub.size).toBe(1);
  });

  it('finds the session of a POST by the X-Grappler-Session header or the cookie', async () => {
    t = await startHub();
    const { stream, client } = await connect(t);
    const received = messagesOf(client);
    const cookie = String(stream.res.headers['set-cookie']?.[0]).split(';', 1)[0]!;
    const byHeader = await exchange(t.port, {
      method: 'POST',
      path: '/?transport=xhr-multipart',
      headers: { 'Content-Type': 'text/plain', 'X-Grappler-Session': stream.sessionId },
      body: 'by header',
    });
    const byCookie = await exchange(t.port, { method: 'POST', path: '/?transport=xhr-multipart', headers: { 'Content-Type': 'text/plain', Cookie: cookie }, body: 'by cookie' });
    expect([byHeader.status, byCookie.status]).toEqual([204, 204]);
    expect(received).toEqual(['by header', 'by cookie']);
  });

  it('refuses a body over maxBodyBytes with 413, declared or streamed', async () => {
    t = await startHub({ limits: { maxBodyBytes: 8 } });
    const { stream, client } = await connect(t);
    const received = messagesOf(client);
    const declared = await post(t.port, stream.sessionId, 'nine byte');
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: 'ERR_MESSAGE_TOO_LARGE' });
    const streamed = await exchange(t.port, {
      method: 'POST',
      path: `/?transport=xhr-multipart&session=${stream.sessionId}`,
      headers: { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' },
      body: 'twelve bytes',
    });
    expect(streamed.status).toBe(413);
    expect((await post(t.port, stream.sessionId, 'eight b!')).status).toBe(204);
    expect(received).toEqual(['eight b!']);
    expect(client.closed).toBe(false);
  });

  it('refuses bodies it cannot read with 400 and types it does not take with 415', async () => {
    t = await startHub();
    const { stream, client } = await connect(t);
    const received = messagesOf(client);
    const cases = [
      [await post(t.port, stream.sessionId, '{not json', 'application/json'), 400],
      [await post(t.port, stream.sessionId, '[1, 2]', 'application/json'), 400],
      [await post(t.port, stream.sessionId, '<a/>', 'application/xml'), 415],
    ] as const;
    for (const [answer, status] of cases) {
      expect(answer.status).toBe(status);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'ERR_BAD_REQUEST' });
    }
    expect(received).toEqual([]);
    expect(client.closed).toBe(false);
  });

  it('answers a CORS preflight and streams to an allowed origin with CORS headers', async () => {
    t = await startHub({ origins: ['app.example.com:*'] });
    const origin = 'http://app.example.com:8080';
    const preflight = await exchange(t.port, {
      method: 'OPTIONS',
      path: '/?transport=xhr-multipart',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-allow-credentials': 'true',
    });
    expect(t.hub.size).toBe(0);
    const { stream } = await connect(t, undefined, { Origin: origin });
    expect(stream.res.headers['access-control-allow-origin']).toBe(origin);
    expect(stream.res.headers['access-control-expose-headers']).toContain('X-Grappler-Seq');
  });

  it('refuses a wrong origin with 403 before any session exists', async () => {
    t = await startHub({ origins: ['app.example.com:*'] });
    const headers = { Origin: 'http://evil.example.com' };
    const answers = [
      await exchange(t.port, { path: '/?transport=xhr-multipart', headers }),
      await exchange(t.port, { method: 'OPTIONS', path: '/?transport=xhr-multipart', headers }),
      await exchange(t.port, { method: 'POST', path: '/?transport=xhr-multipart&session=x', headers, body: 'hi' }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([403, 403, 403]);
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ error: 'ERR_ORIGIN' });
    expect(answers[0]!.headers['access-control-allow-origin']).toBeUndefined();
    expect(t.hub.size).toBe(0);
  });

  it('expires a session whose stream was dropped, after sessionIdleMs', async () => {
    t = await startHub({ limits: { sessionIdleMs: 200 }, pingInterval: 50 });
    const { stream, client } = await connect(t);
    const errors: GrapplerError[] = [];
    client.on('error', (error) => errors.push(error));
    const closed = new Promise<CloseReason>((resolve) => client.once('close', resolve));
    await waitUntil(() => stream.parts.some((part) => part.ping), 'a ping'); // alive while the stream is open
    expect(client.closed).toBe(false);
    stream.destroy();
    const reason = await closed;
    expect(reason.code).toBe(1001);
    expect(errors.map((error) => error.code)).toEqual(['ERR_SESSION_EXPIRED']);
    expect(t.hub.size).toBe(0);
    const late = await exchange(t.port, { path: `/?transport=xhr-multipart&session=${stream.sessionId}&seq=0` });
    expect(late.status).toBe(404);
    expect(JSON.parse(late.body)).toMatchObject({ error: 'ERR_UNKNOWN_SESSION' });
  });

  it('expires a session whose request was aborted while the accept hook ran', async () => {
    let admit: (ok: boolean) => void = () => {};
    let hookCalled: () => void = () => {};
    const asked = new Promise<void>((resolve) => {
      hookCalled = resolve;
    });
    t = await startHub({
      limits: { sessionIdleMs: 100 },
      pingInterval: 20,
      acceptClient: () =>
        new Promise<boolean>((resolve) => {
          admit = resolve;
          hookCalled();
        }),
    });
    const req = get({ host: '127.0.0.1', port: t.port, path: '/?transport=xhr-multipart', agent: false });
    req.on('error', () => {});
    await asked;
    req.destroy();
    const server = t.sockets[0]!;
    await waitUntil(() => server.destroyed, 'the server to see the abort');
    await new Promise((resolve) => setImmediate(resolve));
    const connection = nextConnection(t.hub);
    admit(true);
    const client = await connection;
    await waitUntil(() => client.closed, 'the session of the aborted request to expire');
    expect(t.hub.size).toBe(0);
  });
});
