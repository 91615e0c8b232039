/**
 * `npm run deploy:setup`: readies an existing deployment (DATABASE_URL, TEMPORAL_ADDRESS) for the engine:
 * applies pending migrations and registers the search attributes. npm start does the same for itself.
 */
import { parseEnv } from '../config/env.js';
import { temporalConnectionOptions } from '../config/temporal-connection.js';
import { describePreparation, prepareDeployment } from './prepare-deployment.js';
import { waitForTemporal } from './temporal-health.js';

try {
  const env = parseEnv();
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set: which database should be migrated?');
  const temporal = temporalConnectionOptions(env);
  await waitForTemporal(temporal, 120_000);
  const prepared = await prepareDeployment({
    databaseUrl: env.DATABASE_URL,
    temporal,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
  });
  for (const line of describePreparation(prepared)) console.log(line);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
