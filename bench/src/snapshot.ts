/**
 * Copies every workspace package's built `dist/` to `bench/.grappler-dist/<package dir>/dist/`, once
 * at the start of a run, right after `pnpm bench` built them: the server processes load these copies
 * (see `dist-hooks.ts`), so the whole run measures one build even if `packages/` is rebuilt meanwhile.
 */
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PACKAGES = fileURLToPath(new URL('../../packages/', import.meta.url));
const SNAPSHOT = fileURLToPath(new URL('../.grappler-dist/', import.meta.url));

/** Takes the snapshot; answers the packages copied. */
export function snapshotBuiltPackages(): string[] {
  rmSync(SNAPSHOT, { recursive: true, force: true });
  const copied: string[] = [];
  for (const dir of readdirSync(PACKAGES)) {
    const dist = `${PACKAGES}${dir}/dist`;
    if (!existsSync(`${dist}/index.js`)) continue;
    cpSync(dist, `${SNAPSHOT}${dir}/dist`, { recursive: true });
    copied.push(dir);
  }
  return copied;
}
