import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'examples/*', 'bench'],
    reporters: ['default', './packages/testkit/src/summary-reporter.ts'],
  },
});
