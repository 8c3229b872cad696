/**
 * A module resolve hook for the child processes: in this workspace `grappler` and `@grappler/*`
 * export their TypeScript sources (`src/index.ts`, for tests); what ships is `dist/index.js`
 * (`publishConfig.exports`). The benchmark measures what ships, so it resolves to that.
 */
import { existsSync } from 'node:fs';
import type { ResolveHook } from 'node:module';
import { fileURLToPath } from 'node:url';

const SOURCE_ENTRY = /\/packages\/[^/]+\/src\/index\.ts$/;

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  if (!SOURCE_ENTRY.test(resolved.url)) return resolved;
  const built = resolved.url.replace(/\/src\/index\.ts$/, '/dist/index.js');
  if (!existsSync(fileURLToPath(built))) {
    throw new Error(`${specifier} is not built (${fileURLToPath(built)} is missing): run pnpm bench, which builds it first`);
  }
  return { ...resolved, url: built, format: 'module' };
};
