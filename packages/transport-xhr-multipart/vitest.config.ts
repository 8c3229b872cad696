import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'transport-xhr-multipart', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 20_000 },
});
