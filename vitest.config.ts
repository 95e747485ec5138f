import { defineConfig } from 'vitest/config';

// What people read by the calendar is the site's zone, never the host's: the suite runs with the
// host in UTC, and the time-sensitive files run once more with the host in Asia/Shanghai, the
// default site zone, where a host-zone slip would not show in UTC alone and vice versa.
const TIME_SENSITIVE = ['test/edge/calendar.test.ts', 'test/edge/overdue.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // SQLite files and brokers on ephemeral ports: files run in parallel, each in its own temp folder.
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'utc', include: ['test/**/*.test.ts'], env: { TZ: 'UTC' } } },
      { extends: true, test: { name: 'asia-shanghai', include: TIME_SENSITIVE, env: { TZ: 'Asia/Shanghai' } } },
    ],
  },
});
