import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'experiments/test/**/*.test.ts', 'tests/**/*.test.ts'],
    setupFiles: ['./tests/setup-backend.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs keeps one global engine per process; files run in separate forks, two at a time.
    pool: 'forks',
    maxWorkers: 2,
  },
});
