/** The worker that hosts the enrollment workflows, as the worker process and the tests create it. */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { failureConverterPath, temporalDataConverter } from '../activities/crypto/payload-codec.js';
import type { Pool } from 'pg';
import type { SymmetricKeyRing } from '../activities/keys/symmetric-key-ring.js';
import { activityMetrics } from './activity-metrics.js';
import { enrollmentViewSinks } from './enrollment-view-sink.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** The workflow interceptors: the enrollment view's projection. */
const workflowInterceptorModules = [fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url))];

/** The workflow bundle, built without webpack's statistics (only its warnings and errors are worth showing). */
export function bundleEnrollmentWorkflows(): Promise<WorkflowBundle> {
  const quiet = (): void => undefined;
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
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
  /** Where the enrollments' views are projected for the API's reads; none in tests that only query. */
  viewStore?: Pool;
}

export function createEnrollmentWorker({
  workflowBundle,
  payloadKeys,
  viewStore,
  ...options
}: EnrollmentWorkerOptions): Promise<Worker> {
  return Worker.create({
    ...options,
    dataConverter: temporalDataConverter(payloadKeys),
    sinks: enrollmentViewSinks(viewStore),
    interceptors: {
      activity: [(context) => ({ inbound: activityMetrics(context) })],
      ...(!workflowBundle && { workflowModules: workflowInterceptorModules }),
    },
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
  });
}
