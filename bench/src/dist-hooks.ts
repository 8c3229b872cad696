/**
 * A module resolve hook for the child processes. In this workspace `grappler` and `@grappler/*`
 * export their TypeScript sources (`src/index.ts`, for tests); what ships is `dist/index.js`
 * (`publishConfig.exports`). The benchmark measures what ships, and measures one build for the
 * whole run: `pnpm bench` builds, then copies every package's `dist/` to `bench/.grappler-dist/`
 * (see `snapshot.ts`), so a rebuild in `packages/` during a run (someone else at work) changes
 * nothing. Imports made by snapshot files resolve as if made from the package's own `dist/`
 * (its own node_modules), then land in the snapshot again.
 */
import { existsSync } from 'node:fs';
import type { ResolveHook } from 'node:module';
import { fileURLToPath } from 'node:url';

const PACKAGES = new URL('../../packages/', import.meta.url).href;
const SNAPSHOT = new URL('../.grappler-dist/', import.meta.url).href;
const SOURCE_ENTRY = /^([^/]+)\/src\/index\.ts$/;

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const parentURL = context.parentURL?.startsWith(SNAPSHOT) ? PACKAGES + context.parentURL.slice(SNAPSHOT.length) : context.parentURL;
  const resolved = await nextResolve(specifier, parentURL === undefined ? context : { ...context, parentURL });
  if (!resolved.url.startsWith(PACKAGES)) return resolved;
  const inPackages = resolved.url.slice(PACKAGES.length);
  const entry = SOURCE_ENTRY.exec(inPackages);
  const snapshotPath = entry !== null ? `${entry[1]}/dist/index.js` : inPackages.includes('/dist/') ? inPackages : null;
  if (snapshotPath === null) return resolved;
  const url = SNAPSHOT + snapshotPath;
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`${specifier}: ${fileURLToPath(url)} is missing: run pnpm bench, which builds grappler and snapshots its dist/`);
  }
  return { ...resolved, url, format: 'module' };
};
