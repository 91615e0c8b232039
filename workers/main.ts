/** Process entry: the enrollment worker, until SIGINT / SIGTERM (or its supervisor goes away). */
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { parseEnv } from '../config/env.js';
import { bundleEnrollmentWorkflows, createEnrollmentWorker } from './enrollment-worker.js';

const env = parseEnv();
Runtime.install({ logger: new DefaultLogger(env.LOG_LEVEL.toUpperCase() as LogLevel) });

const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
const worker = await createEnrollmentWorker({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.TEMPORAL_TASK_QUEUE,
  workflowBundle: await bundleEnrollmentWorkflows(),
});
const shutdownWhenOrphaned = (): void => {
  if (worker.getState() === 'RUNNING') worker.shutdown();
};
process.on('disconnect', shutdownWhenOrphaned);

const running = worker.run();
process.send?.({ type: 'ready' });
console.log(`worker polling task queue ${env.TEMPORAL_TASK_QUEUE} on ${env.TEMPORAL_ADDRESS}`);
try {
  await running;
} finally {
  await connection.close();
  process.off('disconnect', shutdownWhenOrphaned);
  if (process.connected) process.disconnect(); // the IPC channel would keep the process alive
}
