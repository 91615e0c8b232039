/** Readies a database and a Temporal namespace for the engine: pending migrations, then search attributes. */
import { Connection } from '@temporalio/client';
import { migrateDatabase } from '../db/migrate.js';
import { enrollmentSearchAttributes } from '../domain/search-attributes.js';
import { registerSearchAttributes } from './search-attributes.js';

export interface PreparedDeployment {
  appliedMigrations: string[];
  registeredSearchAttributes: string[];
}

export async function prepareDeployment(options: {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
}): Promise<PreparedDeployment> {
  const appliedMigrations = await migrateDatabase(options.databaseUrl);
  const connection = await Connection.connect({ address: options.temporalAddress });
  try {
    const registeredSearchAttributes = await registerSearchAttributes(
      connection,
      options.namespace,
      enrollmentSearchAttributes,
    );
    return { appliedMigrations, registeredSearchAttributes };
  } finally {
    await connection.close();
  }
}

export function describePreparation({ appliedMigrations, registeredSearchAttributes }: PreparedDeployment): string[] {
  return [
    appliedMigrations.length > 0
      ? `applied migrations: ${appliedMigrations.join(', ')}`
      : 'database schema is up to date',
    registeredSearchAttributes.length > 0
      ? `registered search attributes: ${registeredSearchAttributes.join(', ')}`
      : 'search attributes are registered',
  ];
}
