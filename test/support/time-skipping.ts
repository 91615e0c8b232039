/**
 * A test file's Temporal time-skipping set-up: one test server and one workflow bundle per file, torn down
 * after it, and a fresh worker per test on a task queue of its own.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import type { SearchAttributePair } from '@temporalio/common';
import { afterAll, beforeAll, inject } from 'vitest';
import { registerSearchAttributes } from '../../deploy/search-attributes.js';
import { bundleEnrollmentWorkflows, createEnrollmentWorker } from '../../workers/enrollment-worker.js';
import { uniqueTaskQueue } from './temporal.js';

export interface TimeSkippingFile {
  /** The file's environment: its client, its clock (`sleep`); there once the file's `beforeAll` has run. */
  readonly env: TestWorkflowEnvironment;
  /** A new worker of the file's bundle with these activities, on a new task queue (run it with `runUntil`). */
  newWorker(activities: object): Promise<{ worker: Worker; taskQueue: string }>;
}

/**
 * Call once at the top of a test file; `searchAttributes` are registered on the test server (the workflows
 * that upsert them need them).
 */
export function timeSkippingPerFile(
  options: { searchAttributes?: readonly SearchAttributePair['key'][] } = {},
): TimeSkippingFile {
  let env: TestWorkflowEnvironment | undefined;
  let workflowBundle: WorkflowBundle;

  beforeAll(async () => {
    [env, workflowBundle] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: inject('timeSkippingTestServerPath') } },
      }),
      bundleEnrollmentWorkflows(),
    ]);
    if (options.searchAttributes) await registerSearchAttributes(env.connection, 'default', options.searchAttributes);
  });

  afterAll(async () => {
    await env?.teardown();
  });

  const started = (): TestWorkflowEnvironment => {
    if (!env) throw new Error('the time-skipping environment is not started yet (use it in a test or a hook)');
    return env;
  };

  return {
    get env() {
      return started();
    },
    async newWorker(activities) {
      const taskQueue = uniqueTaskQueue();
      const worker = await createEnrollmentWorker({
        connection: started().nativeConnection,
        namespace: 'default',
        taskQueue,
        workflowBundle,
        activities,
      });
      return { worker, taskQueue };
    },
  };
}
