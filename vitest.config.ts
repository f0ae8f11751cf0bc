import { defineConfig } from 'vitest/config';

// The workspace packages resolve to their TypeScript sources under the "gradlab-source" export
// condition: here for the test files, and through NODE_OPTIONS for the processes tests spawn.
const SOURCE_CONDITION = 'gradlab-source';
if (!(process.env['NODE_OPTIONS'] ?? '').includes(`--conditions=${SOURCE_CONDITION}`)) {
  process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --conditions=${SOURCE_CONDITION}`.trim();
}

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'], externalConditions: [SOURCE_CONDITION] } },
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
