/**
 * `npm run deploy:setup`: readies an existing deployment (DATABASE_URL, TEMPORAL_ADDRESS) for the engine:
 * applies pending migrations and registers the search attributes. npm start does the same for itself.
 */
import { Connection } from '@temporalio/client';
import { parseEnv } from '../config/env.js';
import { migrateDatabase } from '../db/migrate.js';
import { enrollmentSearchAttributes } from '../domain/search-attributes.js';
import { registerSearchAttributes } from './search-attributes.js';
import { waitForTemporal } from './temporal-dev-server.js';

try {
  const env = parseEnv();
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set: which database should be migrated?');
  const applied = await migrateDatabase(env.DATABASE_URL);
  console.log(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'the schema is up to date');

  await waitForTemporal(env.TEMPORAL_ADDRESS, 120_000);
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  try {
    const added = await registerSearchAttributes(connection, env.TEMPORAL_NAMESPACE, enrollmentSearchAttributes);
    console.log(
      added.length > 0 ? `registered search attributes: ${added.join(', ')}` : 'search attributes are registered',
    );
  } finally {
    await connection.close();
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
