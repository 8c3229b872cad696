import type { AddressInfo } from 'node:net';
import { Server, type ServerOptions } from '../src/index';

/** A Server listening on 127.0.0.1 (ephemeral port) with a short ping interval, and its http:// base URL. */
export async function listening(options: ServerOptions = {}): Promise<{ server: Server; base: string }> {
  const server = new Server({ pingInterval: 1000, ...options });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
