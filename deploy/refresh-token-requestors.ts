/** `npm run token-requestors:refresh`: refreshes the cached token requestors now, through their schedule. */
import { Client, Connection } from '@temporalio/client';
import { parseEnv } from '../config/env.js';
import { temporalConnectionOptions } from '../config/temporal-connection.js';
import { tokenRequestorScheduleId, triggerTokenRequestorRefresh } from './token-requestor-schedule.js';

const env = parseEnv();
const connection = await Connection.connect(temporalConnectionOptions(env));
try {
  await triggerTokenRequestorRefresh(new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }));
  console.log(`triggered schedule ${tokenRequestorScheduleId}; its runs show in the Web UI`);
} catch (error) {
  console.error(`Could not trigger the refresh: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
