import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const PACKAGES = ['core', 'transport-websocket', 'storage-memory'];
const packagesDir = fileURLToPath(new URL('../../', import.meta.url));

/** The pnpm that runs this suite when there is one, else pnpm 10 through npx. */
function pnpm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  const [command, prefix] =
    execPath && /pnpm/.test(execPath) ? [process.execPath, [execPath]] : ['npx', ['--yes', 'pnpm@10']];
  return execFileSync(command, [...prefix, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A user's server, composed from the three tarballs alone: a plain ws client must get a broadcast. */
const USER_SERVER = `
import { createServer } from 'node:http';
import { createHub } from '@grappler/core';
import { memoryStorage } from '@grappler/storage-memory';
import { websocketTransport } from '@grappler/transport-websocket';
import WebSocket from 'ws';

const hub = createHub({ storage: memoryStorage(), transports: [websocketTransport({ path: '/live' })] });
const server = createServer((req, res) => res.end('app'));
hub.attach(server);
server.listen(0, '127.0.0.1', () => {
  const ws = new WebSocket('ws://127.0.0.1:' + server.address().port + '/live');
  hub.on('connection', async (client) => {
    await client.storage.set('k', 'stored');
    hub.broadcast('broadcast + ' + (await client.storage.get('k')));
  });
  ws.on('message', async (data) => {
    console.log('received: ' + data);
    ws.close();
    await hub.close();
  });
});
`;

describe('the published tarballs', () => {
  let project: string | undefined;
  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('let a user compose a server from core, transport-websocket and storage-memory alone', async () => {
    project = await mkdtemp(join(tmpdir(), 'grappler-packaging-'));
    for (const name of PACKAGES) pnpm(['pack', '--pack-destination', project], join(packagesDir, name));
    const tarballs = (await readdir(project)).filter((file) => file.endsWith('.tgz')).sort();
    expect(tarballs).toEqual(['grappler-core-0.0.0.tgz', 'grappler-storage-memory-0.0.0.tgz', 'grappler-transport-websocket-0.0.0.tgz']);
    const dependencies = Object.fromEntries(
      tarballs.map((file) => [`@grappler/${file.replace(/^grappler-|-0\.0\.0\.tgz$/g, '')}`, `file:./${file}`]),
    );
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module', dependencies }));
    await writeFile(join(project, 'server.mjs'), USER_SERVER);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, stdio: 'pipe' });
    // Only built files are published: no TypeScript sources, declarations beside the JavaScript.
    const published = await readdir(join(project, 'node_modules/@grappler/core/dist'));
    expect(published).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
    expect(await readdir(join(project, 'node_modules/@grappler/core'))).not.toContain('src');
    const output = execFileSync(process.execPath, ['server.mjs'], { cwd: project, encoding: 'utf8', timeout: 30_000 });
    expect(output.trim()).toBe('received: broadcast + stored');
  }, 180_000);
});
