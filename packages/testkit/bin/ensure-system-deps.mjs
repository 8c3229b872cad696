#!/usr/bin/env node
// Makes `pnpm test` work on a fresh Debian machine: the browser tests need Debian's chromium and
// the Redis storage tests a real redis-server, which no test tool can download here. Installs
// what is missing with apt-get when running as root; otherwise says what to install. Does
// nothing when both are there.
import { execFileSync, spawnSync } from 'node:child_process';

const needed = [
  { command: process.env.CHROMIUM_PATH ?? 'chromium', pkg: 'chromium' },
  { command: process.env.REDIS_SERVER_PATH ?? 'redis-server', pkg: 'redis-server' },
];
const onPath = (command) => spawnSync('sh', ['-c', `command -v "${command}"`], { stdio: 'ignore' }).status === 0;
const missing = needed.filter(({ command }) => !onPath(command)).map(({ pkg }) => pkg);

if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    console.error(`The tests need: ${missing.join(' ')}. Install them (e.g. sudo apt-get install -y ${missing.join(' ')}) and run again.`);
    process.exit(1);
  }
  console.log(`Installing ${missing.join(' ')} with apt-get (needed by the browser and Redis tests)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
}
