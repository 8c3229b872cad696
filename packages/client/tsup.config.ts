import { defineConfig } from 'tsup';

export default defineConfig([
  { entry: ['src/index.ts'], format: 'esm', platform: 'neutral', target: 'es2020', dts: true, clean: true, sourcemap: true },
  {
    entry: { 'grappler.iife': 'src/iife.ts' },
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    globalName: 'Grappler',
    minify: true,
    outExtension: () => ({ js: '.js' }),
  },
]);
