import type { Options } from 'tsup';

/** How every server package builds: one ESM entry with its declarations, for Node 20. */
export const serverPackage: Options = {
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
};
