/** The embedded PostgreSQL server used when DATABASE_URL is unset: started in a child process of its own. */
import { exitOf, spawnTypeScriptProcess, stopChild, waitForMessage, type ManagedProcess } from './processes.js';
import type { PostgresReadyMessage } from './postgres-server.js';

export interface EmbeddedPostgresOptions {
  /** The cluster's folder; created and initialised on first use. */
  dataDir: string;
  /** Where the generated superuser password is kept (mode 0600). */
  passwordFile: string;
  port: number;
  database: string;
}

export interface EmbeddedPostgres extends ManagedProcess {
  url: string;
  dataDir: string;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const child = spawnTypeScriptProcess(
    new URL('postgres-server.ts', import.meta.url),
    [
      '--data-dir',
      options.dataDir,
      '--password-file',
      options.passwordFile,
      '--port',
      String(options.port),
      '--database',
      options.database,
    ],
    process.env,
  );
  const ready = await waitForMessage<PostgresReadyMessage>(child, 'ready', 'Embedded PostgreSQL');
  return {
    url: ready.url,
    dataDir: ready.dataDir,
    pid: child.pid ?? -1,
    exited: exitOf(child),
    stop: () => stopChild(child, 'Embedded PostgreSQL'),
  };
}
