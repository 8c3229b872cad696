import { defineProject } from 'vitest/config';

// The bench's own pure code (what a CPU profile says); the benchmark itself is not a test.
export default defineProject({
  test: { name: 'bench', include: ['src/**/*.test.ts'] },
});
