import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,agent,coordinator,cli,test}/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Real processes and sockets: two cores, so keep parallelism modest.
    maxWorkers: 2,
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
  },
});
