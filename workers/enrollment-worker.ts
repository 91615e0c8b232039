/** The worker that hosts the enrollment workflows, as the worker process and the tests create it. */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { failureConverterPath, temporalDataConverter } from '../activities/crypto/payload-codec.js';
import type { Pool } from 'pg';
import type { EncryptionKeyRing } from '../activities/keys/key-handles.js';
import { tracingWorkflowInterceptorModule, workerTracing } from '../observability/temporal-tracing.js';
import type { Tracing } from '../observability/tracing.js';
import { activityMetrics } from './activity-metrics.js';
import { enrollmentViewSinks } from './enrollment-view-sink.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** The workflow interceptors: the enrollment view's projection, and OpenTelemetry's when the worker traces. */
function workflowInterceptorModules(traced: boolean): string[] {
  const projection = fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url));
  return traced ? [projection, tracingWorkflowInterceptorModule] : [projection];
}

/**
 * The workflow bundle, built without webpack's statistics (only its warnings and errors are worth showing);
 * `traced` for a worker created with `tracing`.
 */
export function bundleEnrollmentWorkflows(options: { traced?: boolean } = {}): Promise<WorkflowBundle> {
  const quiet = (): void => undefined;
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: workflowInterceptorModules(options.traced ?? false),
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
  payloadKeys?: EncryptionKeyRing;
  /** At shutdown, how long (ms) activities under way run on before they are asked to cancel. */
  shutdownGraceTime?: number;
  /** Where the enrollments' views are projected for the API's reads; none in tests that only query. */
  viewStore?: Pool;
  /** The process's tracing, when installed: workflows and activities traced (a given bundle must be `traced`). */
  tracing?: Tracing;
}

export function createEnrollmentWorker({
  workflowBundle,
  payloadKeys,
  viewStore,
  tracing,
  ...options
}: EnrollmentWorkerOptions): Promise<Worker> {
  const traced = tracing && workerTracing(tracing);
  return Worker.create({
    ...options,
    dataConverter: temporalDataConverter(payloadKeys),
    sinks: { ...enrollmentViewSinks(viewStore), ...traced?.sinks },
    interceptors: {
      // The activity's span first, so that it covers all the others do.
      activity: [
        ...(traced ? [traced.activityInterceptors] : []),
        (context) => ({ inbound: activityMetrics(context) }),
      ],
      ...(!workflowBundle && { workflowModules: workflowInterceptorModules(Boolean(traced)) }),
    },
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
  });
}
