/**
 * The cluster's two PostgreSQL databases, made and brought to the server's schema version by Temporal's
 * own temporal-sql-tool: create-database (once), setup-schema -v 0.0 (the versioning tables; idempotent),
 * update-schema from the versioned schema embedded in the tool, which applies only what a database lacks.
 */
import { spawn } from 'node:child_process';
import pg from 'pg';
import { relayLines } from './processes.js';
import { clusterDatabases, type ClusterDatabaseServer } from './temporal-cluster-config.js';

export class ClusterSchemaError extends Error {
  override name = 'ClusterSchemaError';
}

/** The tool's embedded schema directory of each database. */
const schemaNames: Record<keyof typeof clusterDatabases, string> = {
  persistence: 'postgresql/v12/temporal',
  visibility: 'postgresql/v12/visibility',
};

/** Returns the databases it created (the others existed). */
export async function setUpClusterDatabases(sqlTool: string, server: ClusterDatabaseServer): Promise<string[]> {
  const created: string[] = [];
  for (const kind of ['persistence', 'visibility'] as const) {
    const database = clusterDatabases[kind];
    const run = (args: string[]): Promise<void> => runSqlTool(sqlTool, server, database, args);
    if (!(await databaseExists(server, database))) {
      await run(['create-database']);
      created.push(database);
    }
    await run(['setup-schema', '-v', '0.0']);
    await run(['update-schema', '--schema-name', schemaNames[kind]]);
  }
  return created;
}

async function databaseExists(server: ClusterDatabaseServer, database: string): Promise<boolean> {
  const client = new pg.Client({ ...serverConnection(server), database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    return (found.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

export function serverConnection(server: ClusterDatabaseServer): pg.ClientConfig {
  return { host: server.host, port: server.port, user: server.user, password: server.password };
}

/** The password goes through the environment (SQL_PASSWORD), not the command line other users can read. */
async function runSqlTool(
  sqlTool: string,
  server: ClusterDatabaseServer,
  database: string,
  args: string[],
): Promise<void> {
  const command = [
    '--plugin',
    'postgres12',
    '--endpoint',
    server.host,
    '--port',
    String(server.port),
    '--user',
    server.user,
    '--database',
    database,
    ...args,
  ];
  const child = spawn(sqlTool, command, {
    env: { ...process.env, SQL_PASSWORD: server.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = relayLines([child.stdout, child.stderr], () => undefined);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new ClusterSchemaError(`temporal-sql-tool ${args[0]} on ${database} exited with ${code}:\n${output()}`);
  }
}
