import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // SQLite files and brokers on ephemeral ports: files run in parallel, each in its own temp folder.
    pool: 'forks',
  },
});
