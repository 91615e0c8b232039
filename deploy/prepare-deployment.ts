/** Readies a database and a Temporal namespace for the engine: pending migrations, search attributes, schedules, the webhook dispatcher. */
import { Client, Connection } from '@temporalio/client';
import type { TemporalConnectionOptions } from '../config/temporal-connection.js';
import { migrateDatabase } from '../db/migrate.js';
import { enrollmentSearchAttributes } from '../domain/search-attributes.js';
import { registerSearchAttributes } from './search-attributes.js';
import { ensureTokenReconciliationSchedule, tokenReconciliationScheduleId } from './token-reconciliation-schedule.js';
import { ensureTokenRequestorSchedule, tokenRequestorScheduleId } from './token-requestor-schedule.js';
import { ensureWebhookDispatcher } from './webhook-dispatcher.js';

export interface PreparedDeployment {
  appliedMigrations: string[];
  registeredSearchAttributes: string[];
  createdSchedules: string[];
}

export async function prepareDeployment(options: {
  databaseUrl: string;
  /** An address, or full connection options (TLS, API key). */
  temporal: string | TemporalConnectionOptions;
  namespace: string;
  taskQueue: string;
}): Promise<PreparedDeployment> {
  const appliedMigrations = await migrateDatabase(options.databaseUrl);
  const connection = await Connection.connect(
    typeof options.temporal === 'string' ? { address: options.temporal } : options.temporal,
  );
  try {
    const registeredSearchAttributes = await registerSearchAttributes(
      connection,
      options.namespace,
      enrollmentSearchAttributes,
    );
    const client = new Client({ connection, namespace: options.namespace });
    const createdSchedules = [
      ...((await ensureTokenRequestorSchedule(client, options.taskQueue)) ? [tokenRequestorScheduleId] : []),
      ...((await ensureTokenReconciliationSchedule(client, options.taskQueue)) ? [tokenReconciliationScheduleId] : []),
    ];
    await ensureWebhookDispatcher(client, options.taskQueue);
    return { appliedMigrations, registeredSearchAttributes, createdSchedules };
  } finally {
    await connection.close();
  }
}

export function describePreparation({
  appliedMigrations,
  registeredSearchAttributes,
  createdSchedules,
}: PreparedDeployment): string[] {
  return [
    appliedMigrations.length > 0
      ? `applied migrations: ${appliedMigrations.join(', ')}`
      : 'database schema is up to date',
    registeredSearchAttributes.length > 0
      ? `registered search attributes: ${registeredSearchAttributes.join(', ')}`
      : 'search attributes are registered',
    createdSchedules.length > 0 ? `created schedules: ${createdSchedules.join(', ')}` : 'schedules are in place',
  ];
}
