/** The worker that hosts the enrollment workflows, as the worker process and the tests create it. */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { failureConverterPath, temporalDataConverter } from '../activities/crypto/payload-codec.js';
import type { SymmetricKeyRing } from '../activities/keys/symmetric-key-ring.js';
import { activityMetrics } from './activity-metrics.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The workflow bundle, built without webpack's statistics (only its warnings and errors are worth showing). */
export function bundleEnrollmentWorkflows(): Promise<WorkflowBundle> {
  const quiet = (): void => undefined;
  return bundleWorkflowCode({
    workflowsPath,
    failureConverterPath,
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
  /** Encrypts payloads when given; the clients must use the same keys. */
  payloadKeys?: SymmetricKeyRing;
  /** At shutdown, how long (ms) activities under way run on before they are asked to cancel. */
  shutdownGraceTime?: number;
}

export function createEnrollmentWorker({
  workflowBundle,
  payloadKeys,
  ...options
}: EnrollmentWorkerOptions): Promise<Worker> {
  return Worker.create({
    ...options,
    dataConverter: temporalDataConverter(payloadKeys),
    interceptors: { activity: [(context) => ({ inbound: activityMetrics(context) })] },
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
  });
}
