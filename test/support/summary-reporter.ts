// Ends every run with one plain line that CI can read and that agrees with vitest's own verdict:
// `vitest: N passed, N failed, N skipped; F of M files failed; E errors; PASSED|FAILED`.
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  files: number;
  failedFiles: number;
  errors: number;
  verdict: 'PASSED' | 'FAILED';
}

/**
 * A file whose hooks failed (a browser that would not start, a server that would not come up) has its
 * tests skipped, not failed: the file and its errors are counted, so such a run never reads as green.
 */
export function summarise(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
  reason: TestRunEndReason,
): RunSummary {
  const summary: RunSummary = {
    passed: 0,
    failed: 0,
    skipped: 0,
    files: 0,
    failedFiles: 0,
    errors: 0,
    verdict: 'PASSED',
  };
  for (const testModule of testModules) {
    summary.files += 1;
    for (const test of testModule.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') summary.passed += 1;
      else if (state === 'failed') summary.failed += 1;
      else summary.skipped += 1;
    }
    if (testModule.state() === 'failed') summary.failedFiles += 1;
    summary.errors += testModule.errors().length;
  }
  summary.errors += unhandledErrors.length;
  const failed = reason !== 'passed' || summary.failed > 0 || summary.failedFiles > 0 || summary.errors > 0;
  summary.verdict = failed ? 'FAILED' : 'PASSED';
  return summary;
}

export function summaryLine(summary: RunSummary): string {
  return (
    `vitest: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped; ` +
    `${summary.failedFiles} of ${summary.files} files failed; ${summary.errors} errors; ${summary.verdict}`
  );
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    console.log(`\n${summaryLine(summarise(testModules, unhandledErrors, reason))}`);
  }
}
