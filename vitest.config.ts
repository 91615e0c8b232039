// Unit and contract tests run in parallel; tests that run Temporal or PostgreSQL servers run one file at a time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: { name: 'unit', sequence: { groupOrder: 0 }, include: ['test/unit/**/*.test.ts'] },
      },
      {
        // The clients against the sandbox networks over real HTTP, each file on its own ports.
        test: {
          name: 'contract',
          sequence: { groupOrder: 0 },
          include: ['test/contract/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        // The web pages in Chromium against npm start's stack: after the others, one file at a time.
        test: {
          name: 'browser',
          sequence: { groupOrder: 1 },
          globalSetup: ['test/global-setup.ts'],
          include: ['test/browser/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Batches of enrollments while the worker, Temporal and the networks fail: alone, at the end.
        test: {
          name: 'chaos',
          sequence: { groupOrder: 2 },
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/support/quiet-runtime.ts'],
          include: ['test/chaos/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
      {
        // npm run start:cluster: the real Temporal server (built on the first run, then cached) on PostgreSQL;
        // the Helm chart with helm (built the same way). After the chaos tests, alone: a first build takes
        // the two cores for minutes.
        test: {
          name: 'cluster',
          sequence: { groupOrder: 3 },
          include: ['test/cluster/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 480_000,
          hookTimeout: 1_200_000,
        },
      },
      {
        test: {
          name: 'servers',
          sequence: { groupOrder: 0 },
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/support/quiet-runtime.ts'],
          include: ['test/servers/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
