/** The worker that hosts the enrollment workflows, as the worker process and the tests create it. */
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface EnrollmentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (tests build one per file); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkflowBundle;
}

export function createEnrollmentWorker({ workflowBundle, ...options }: EnrollmentWorkerOptions): Promise<Worker> {
  return Worker.create({ ...options, ...(workflowBundle ? { workflowBundle } : { workflowsPath }) });
}
