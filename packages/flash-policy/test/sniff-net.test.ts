import { type Socket, createServer } from 'node:net';
import { listen, rawExchange } from '@grappler/testkit';
import { describe, expect, it } from 'vitest';
import { POLICY_REQUEST, renderPolicy } from '../src/index';
import { slowExchange } from './slow-exchange';
import { trackSniffers } from './track-sniffers';

const ANY = `${renderPolicy([{ domain: '*', toPorts: '*' }])}\0`;

/** A bare TCP server, which has no HTTP parser to lean on: the sniffer reads first bytes. */
describe('sniffPolicyRequests on a net.Server', () => {
  const sniff = trackSniffers();

  const echoFirstChunk = (socket: Socket): void => {
    socket.once('data', (chunk: Buffer) => socket.end(`got:${chunk.toString('latin1')}`));
  };

  it('answers a policy request and hands every other connection over, its bytes unread', async () => {
    const server = createServer(echoFirstChunk);
    sniff(server);
    const port = await listen(server);
    expect(await rawExchange(port, POLICY_REQUEST)).toEqual({ response: ANY, closed: true });
    expect(await slowExchange(port, '<policy-file-request/>\0')).toEqual({ response: ANY, closed: true });
    expect(await rawExchange(port, 'hello')).toEqual({ response: 'got:hello', closed: true });
  });

  it('restores the original connection listeners on close(), first in line and once-ness kept', async () => {
    const server = createServer(echoFirstChunk);
    const once = (): void => {};
    server.once('connection', once);
    const originals = server.rawListeners('connection');
    const sniffer = sniff(server);
    expect(server.listeners('connection')).toHaveLength(1);
    expect(server.listeners('connection')).not.toContain(originals[0]);
    const later = (): void => {};
    server.on('connection', later);
    sniffer.close();
    sniffer.close();
    expect(server.rawListeners('connection')).toEqual([...originals, later]);
    server.removeListener('connection', later);
    const port = await listen(server);
    expect(await rawExchange(port, POLICY_REQUEST)).toEqual({ response: `got:${Buffer.from(POLICY_REQUEST).toString('latin1')}`, closed: true });
  });
});
