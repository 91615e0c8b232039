/** Shared pieces of the Temporal tests: the workflow bundle and unique ids. */
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { workflowsPath } from '../../workers/enrollment-worker.js';

export function bundleEnrollmentWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: {
      info: () => undefined,
      warn: console.warn,
      error: console.error,
      debug: () => undefined,
      trace: () => undefined,
      log: () => undefined,
    },
  });
}

export function uniqueRequestId(): string {
  return randomUUID();
}

export function uniqueTaskQueue(): string {
  return `test-${randomUUID()}`;
}
