import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer, get } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { closeServer, listen, rawExchange } from '@grappler/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_REQUEST, type PolicySniffer, renderPolicy, sniffPolicyRequests } from '../src/index';
import { closedWithin, openRaw } from './slow-exchange';

const ANY = `${renderPolicy([{ domain: '*', toPorts: '*' }])}\0`;
const GET = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';

/** A throwaway self-signed certificate for localhost, valid one day. */
function selfSigned(dir: string): { key: Buffer; cert: Buffer } {
  const [key, cert] = [join(dir, 'k.pem'), join(dir, 'c.pem')];
  execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], {
    stdio: 'ignore',
  });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

function httpsGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ port, host: '127.0.0.1', path: '/', rejectUnauthorized: false, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

/**
 * A TLS client whose first `slowBytes` bytes (the ClientHello's record header and more) reach
 * the server one at a time, through a JS stream the test controls; returns the raw response.
 */
async function slowTlsGet(port: number, slowBytes = 8): Promise<string> {
  const raw = connect(port, '127.0.0.1').setNoDelay(true);
  await once(raw, 'connect');
  let sent = 0;
  const shim = new Duplex({
    async write(chunk: Buffer, _encoding, callback) {
      while (sent < slowBytes && chunk.length > 0) {
        raw.write(chunk.subarray(0, 1));
        chunk = chunk.subarray(1);
        sent++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (chunk.length === 0) callback();
      else raw.write(chunk, callback);
    },
    read() {},
  });
  raw.on('data', (data: Buffer) => shim.push(data));
  raw.on('end', () => shim.push(null));
  const secure = tlsConnect({ socket: shim, rejectUnauthorized: false, servername: 'localhost' });
  const chunks: Buffer[] = [];
  secure.on('data', (data: Buffer) => chunks.push(data));
  try {
    await once(secure, 'secureConnect');
    secure.write(GET);
    await once(secure, 'end');
    return Buffer.concat(chunks).toString('latin1');
  } finally {
    secure.destroy();
    raw.destroy();
  }
}

describe('sniffPolicyRequests on an https.Server', () => {
  let dir = '';
  let credentials: { key: Buffer; cert: Buffer };
  let server: Server | undefined;
  let sniffer: PolicySniffer | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flash-policy-'));
    credentials = selfSigned(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    sniffer?.close();
    if (server) await closeServer(server);
    server = sniffer = undefined;
  });
  async function start(): Promise<number> {
    server = createServer(credentials, (_req, res) => res.end('hello'));
    sniffer = sniffPolicyRequests(server, { timeoutMs: 100 });
    return listen(server);
  }

  it('lets TLS handshakes through untouched', async () => {
    const port = await start();
    expect(await httpsGet(port)).toBe('hello');
    expect(await httpsGet(port)).toBe('hello');
  });

  it('lets a ClientHello through when it arrives a byte at a time', async () => {
    const port = await start();
    const response = await slowTlsGet(port);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response.endsWith('hello')).toBe(true);
  });

  it('answers a plain-text policy request on the TLS port', async () => {
    const port = await start();
    expect(await rawExchange(port, POLICY_REQUEST)).toEqual({ response: ANY, closed: true });
  });

  it('closes a silent connection after timeoutMs', async () => {
    const port = await start();
    const { socket, received } = await openRaw(port);
    expect(await closedWithin(socket, 2000)).toBe(true);
    expect(received()).toBe('');
  });
});
