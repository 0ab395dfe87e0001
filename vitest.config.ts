import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // .ci/run sets TAP_TEST_REPORT to a file path to get a JSON summary beside the usual output.
    reporters: process.env.TAP_TEST_REPORT ? ['default', 'json'] : ['default'],
    ...(process.env.TAP_TEST_REPORT ? { outputFile: { json: process.env.TAP_TEST_REPORT } } : {}),
  },
});
