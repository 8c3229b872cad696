import { once } from 'node:events';
import { type Socket, connect } from 'node:net';

/** A client of `lineTransport`: upgrades, then records each line the hub writes, as text. */
export async function openLines(port: number, path: string): Promise<{ socket: Socket; lines: string[] }> {
  const socket = connect(port, '127.0.0.1');
  const lines: string[] = [];
  let buffer = '';
  let upgraded = false;
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      buffer = buffer.slice(end + 4);
    }
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: lines\r\nConnection: Upgrade\r\n\r\n`);
  return { socket, lines };
}

