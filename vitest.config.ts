import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'infra/test/**/*.test.ts'],
    // One local AWS stack (DynamoDB Local, s3rver, SES v2 local) for the whole run, started and stopped here.
    globalSetup: ['test/setup/local-stack.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/setup/summary-reporter.ts'],
    // `npm test` runs with --coverage; a targeted `npx vitest run <paths>` does not, so it is not held to
    // the thresholds of the whole suite. Thresholds are today's level: raise them as coverage grows, never
    // lower them (measured 2026-12-05 on the whole merged round — IMAP ingress, bureau commands, deploy — with
    // every test passing: lines 92.7 %, branches 77.9 %, functions 94.1 %, statements 90.6 %; the round's first
    // measure, before those landed, was lines 92.65 %, branches 79.29 %).
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts', 'functions/*/src/**/*.ts', 'infra/src/**/*.ts'],
      exclude: ['**/*.d.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: '.lingjun/coverage',
      // A failed test must not hide the figures: they are printed, and the thresholds still decide.
      reportOnFailure: true,
      thresholds: { lines: 92, branches: 77, functions: 94, statements: 90 },
    },
  },
});
