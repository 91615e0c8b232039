/** The process's PostgreSQL connection pool. */
import pg from 'pg';

export function createPool(databaseUrl: string, applicationName: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, application_name: applicationName, max: 10 });
  // An idle client losing its connection (a restart of the server) must not crash the process;
  // the pool replaces it on next use.
  pool.on('error', (error) => console.warn(`PostgreSQL connection lost: ${error.message}`));
  return pool;
}

/** Resolves when PostgreSQL answers a query: the API's readiness check. */
export async function pingDatabase(pool: pg.Pool): Promise<void> {
  await pool.query('SELECT 1');
}
