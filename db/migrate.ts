/** Applies the SQL migrations in db/migrations (node-pg-migrate) to a database, under its advisory lock. */
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export const migrationsDir = fileURLToPath(new URL('migrations', import.meta.url));

/** Brings the schema up to date; returns the names of the migrations it applied (none when current). */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    logger: { debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error },
  });
  return applied.map((migration) => migration.name);
}
