import { rawExchange } from '@grappler/testkit';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from '../src/index';

const POLICY_REQUEST = '<policy-file-request/>\0';

describe('the Flash socket policy on the server port', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  async function start(server: Server): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('is answered by default, from the server origins, while HTTP keeps working', async () => {
    const port = await start(new Server({ origins: ['app.example:8080'] }, (_req, res) => void res.end('page')));
    const { response, closed } = await rawExchange(port, POLICY_REQUEST);
    expect(closed).toBe(true);
    expect(response).toContain('<allow-access-from domain="app.example" to-ports="*"/>');
    expect(response.endsWith('</cross-domain-policy>\n\0')).toBe(true);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('page');
  });

  it('can be turned off, leaving the bytes to HTTP', async () => {
    const port = await start(new Server({ flashPolicy: false }));
    const { response } = await rawExchange(port, POLICY_REQUEST);
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('takes flash-policy options', async () => {
    const port = await start(new Server({ flashPolicy: { allow: [{ domain: 'flash.example', toPorts: '843,8080' }] } }));
    const { response } = await rawExchange(port, POLICY_REQUEST);
    expect(response).toContain('<allow-access-from domain="flash.example" to-ports="843,8080"/>');
  });
});
