import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'http-session', include: ['src/**/*.test.ts'], testTimeout: 20_000 },
});
