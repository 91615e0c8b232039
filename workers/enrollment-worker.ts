/** The worker that hosts the enrollment workflows, as the worker process and the tests create it. */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The workflow bundle, built without webpack's statistics (only its warnings and errors are worth showing). */
export function bundleEnrollmentWorkflows(): Promise<WorkflowBundle> {
  const quiet = (): void => undefined;
  return bundleWorkflowCode({
    workflowsPath,
    logger: { trace: quiet, debug: quiet, info: quiet, log: quiet, warn: console.warn, error: console.error },
  });
}

export interface EnrollmentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (tests build one per file); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkflowBundle;
  /** The activities the workflows call (createEnrollmentActivities, or the tests' fakes). */
  activities?: object;
}

export function createEnrollmentWorker({ workflowBundle, ...options }: EnrollmentWorkerOptions): Promise<Worker> {
  return Worker.create({ ...options, ...(workflowBundle ? { workflowBundle } : { workflowsPath }) });
}
