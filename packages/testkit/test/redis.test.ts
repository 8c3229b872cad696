import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedis, startRedisOn } from '../src/redis';

/** The first line of a Redis's answer to one inline command. */
function ask(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    let reply = '';
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      resolve(reply.slice(0, reply.indexOf('\r\n')));
    });
    socket.on('error', reject);
  });
}

describe('startRedisOn', () => {
  it('rejects a port another Redis holds rather than hand that Redis out as a new one', async () => {
    const first = await startRedis();
    try {
      await ask(first.port, 'SET owner first');
      // The second redis-server fails to bind; until it exits, the first answers on the port.
      await expect(startRedisOn(first.port)).rejects.toThrow(/did not start on port/);
      expect(await ask(first.port, 'GET owner')).toBe('$5'); // the first still runs, its data intact
    } finally {
      await first.stop();
    }
  });
});
