import { defineConfig } from 'tsup';

/**
 * The orchestrator and the two kinds of child process, compiled to plain JS so that children start
 * fast and run no transpiler; every dependency stays external (grappler is loaded from its `dist`).
 */
export default defineConfig({
  entry: ['src/run.ts', 'src/server-process.ts', 'src/loadgen-process.ts', 'src/use-dist.ts', 'src/dist-hooks.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: true,
  splitting: true,
});
