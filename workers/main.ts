/** Process entry: the enrollment worker, until SIGINT / SIGTERM (or its supervisor goes away). */
import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import { maskCardNumbers } from '../domain/caller-text.js';
import { parseEnv } from '../config/env.js';
import { drainDeadlineMs, reportReady, whenOrphaned } from '../lifecycle/supervisor-link.js';
import { openProcessServices } from '../services/engine-services.js';
import { tracingFromEnv } from '../observability/tracing.js';
import { bundleEnrollmentWorkflows, createEnrollmentWorker } from './enrollment-worker.js';
import { createWorkerActivities } from './worker-activities.js';

const env = parseEnv();
// Structured JSON logs (workflow and activity lines carry their workflow id for correlation), and the
// runtime's Prometheus exporter, which also carries the metrics the workflows and activities record.
Runtime.install({
  logger: new DefaultLogger(env.LOG_LEVEL.toUpperCase() as LogLevel, ({ level, message, meta, timestampNanos }) => {
    const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
    console.log(JSON.stringify({ time, level, msg: maskCardNumbers(message), ...(maskCardNumbers(meta) as object) }));
  }),
  telemetryOptions: {
    metrics: { prometheus: { bindAddress: env.WORKER_METRICS_ADDRESS, countersTotalSuffix: true, unitSuffix: true } },
  },
});

// Only with an OTLP endpoint configured; otherwise no interceptor and nothing in the bundle.
const tracing = tracingFromEnv(env, 'pushprov-worker');

let worker: Worker | undefined;
let draining = false;
/**
 * SIGINT / SIGTERM (on which the Temporal runtime also shuts the worker down) or the supervisor gone: no new
 * tasks are polled, the activities and workflow tasks under way finish. Past the deadline the process exits
 * anyway, before its supervisor kills it; Temporal gives what was cut off to another worker after its timeout.
 */
const drain = (): void => {
  if (!worker) process.exit(0); // nothing started yet: nothing to drain
  if (worker.getState() === 'RUNNING') worker.shutdown();
  if (draining) return;
  draining = true;
  setTimeout(() => {
    console.error(`the worker did not drain within ${drainDeadlineMs / 1000} s; exiting with tasks under way`);
    process.exit(1);
  }, drainDeadlineMs).unref();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, drain);
const stopWatchingSupervisor = whenOrphaned(drain);

const services = await openProcessServices(env, 'pushprov-worker').catch((error: unknown) => {
  console.error(`The worker cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
const workerActivities = createWorkerActivities(services);
const connection = await NativeConnection.connect(services.temporal.connection);
worker = await createEnrollmentWorker({
  connection,
  namespace: services.temporal.namespace,
  taskQueue: services.temporal.taskQueue,
  workflowBundle: await bundleEnrollmentWorkflows({ traced: Boolean(tracing) }),
  activities: workerActivities.activities,
  payloadKeys: services.keys.payload,
  viewStore: services.pool,
  ...(tracing && { tracing }),
  // Activities under way finish before the drain deadline rather than being cancelled at once.
  shutdownGraceTime: drainDeadlineMs,
});

const running = worker.run();
reportReady({ type: 'ready' });
console.log(`worker polling task queue ${env.TEMPORAL_TASK_QUEUE} on ${env.TEMPORAL_ADDRESS}`);
try {
  await running;
} finally {
  await connection.close();
  await workerActivities.close();
  await services.close();
  await tracing?.shutdown(); // the spans still buffered are exported
  stopWatchingSupervisor();
  if (process.connected) process.disconnect(); // the IPC channel would keep the process alive
}
