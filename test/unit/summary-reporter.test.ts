import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startVitest } from 'vitest/node';
import { summarise, summaryLine, type RunSummary } from '../support/summary-reporter.js';

const fixture = fileURLToPath(new URL('../fixtures/run-with-failing-hook/', import.meta.url));

describe("the run's closing line", () => {
  it('reads FAILED when a file fails in its hooks, though none of its tests failed', async () => {
    let summary: RunSummary | undefined;
    const exitCode = process.exitCode; // the inner run's failure is not this run's
    const vitest = await startVitest('test', [], {
      root: fixture,
      include: ['*.fixture.ts'],
      config: false,
      watch: false,
      reporters: [{ onTestRunEnd: (modules, errors, reason) => void (summary = summarise(modules, errors, reason)) }],
    });
    await vitest.close();
    process.exitCode = exitCode;
    expect(summary).toEqual({
      passed: 1,
      failed: 0,
      skipped: 2,
      files: 2,
      failedFiles: 1,
      errors: 1,
      verdict: 'FAILED',
    });
    expect(summaryLine(summary!)).toBe('vitest: 1 passed, 0 failed, 2 skipped; 1 of 2 files failed; 1 errors; FAILED');
  });
});
