/**
 * `npm start`: the whole local stack in one process tree. PostgreSQL (embedded unless DATABASE_URL), the
 * Temporal dev server with its Web UI (unless one already answers at TEMPORAL_ADDRESS), the worker and the
 * API. Ctrl-C stops what it started, in reverse order.
 */
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { childEnv, parseEnv, type Env } from '../config/env.js';
import { migrateDatabase } from '../db/migrate.js';
import { enrollmentSearchAttributes } from '../domain/search-attributes.js';
import { startEmbeddedPostgres } from './postgres.js';
import { spawnTypeScriptProcess, stopChild, waitForMessage, type ManagedProcess } from './processes.js';
import { registerSearchAttributes } from './search-attributes.js';
import { isTemporalReachable, startTemporalDevServer } from './temporal-dev-server.js';
import { ensureTemporalCli } from './toolchain.js';

const log = (line: string): void => console.log(`[pushprov] ${line}`);

interface Started extends ManagedProcess {
  name: string;
}

/** What this process started, in start order; stopped in reverse. */
const started: Started[] = [];
let stopping: Promise<void> | undefined;

function stopEverything(exitCode: number): Promise<void> {
  stopping ??= (async () => {
    log('stopping...');
    for (const part of started.toReversed()) {
      await part.stop().catch((error: unknown) => log(`could not stop ${part.name}: ${String(error)}`));
      log(`stopped ${part.name}`);
    }
    process.exitCode = exitCode;
  })();
  return stopping;
}

/** Records a started part; one that finishes starting after shutdown began is stopped at once. */
function track(part: Started): void {
  started.push(part);
  if (stopping) void part.stop();
  else log(`started ${part.name} (pid ${part.pid})`);
}

/** Startup goes no further once a Ctrl-C has begun the shutdown. */
class StartupAbandoned extends Error {}
function unlessStopping(): void {
  if (stopping) throw new StartupAbandoned();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopEverything(0));

function isLocalAddress(address: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost):\d+$/.test(address);
}

async function startDatabase(env: Env): Promise<{ url: string; description: string }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, description: 'PostgreSQL from DATABASE_URL' };
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(env.PUSHPROV_DATA_DIR, 'postgres'),
    passwordFile: path.join(env.PUSHPROV_DATA_DIR, 'postgres.password'),
    port: env.EMBEDDED_POSTGRES_PORT,
    database: 'pushprov',
  });
  track({ name: 'PostgreSQL', pid: postgres.pid, stop: () => postgres.stop() });
  return {
    url: postgres.url,
    description: `embedded PostgreSQL on 127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}, database pushprov (data in ${postgres.dataDir})`,
  };
}

async function startTemporal(env: Env): Promise<{ uiUrl: string | undefined }> {
  if (await isTemporalReachable(env.TEMPORAL_ADDRESS)) {
    log(`using the Temporal server already answering at ${env.TEMPORAL_ADDRESS}`);
    return { uiUrl: undefined };
  }
  if (!isLocalAddress(env.TEMPORAL_ADDRESS)) {
    throw new Error(
      `No Temporal server answers at ${env.TEMPORAL_ADDRESS}, and a dev server can only be started on a loopback address`,
    );
  }
  const cliPath = await ensureTemporalCli(env.PUSHPROV_CACHE_DIR, log);
  const [host, port] = env.TEMPORAL_ADDRESS.split(':') as [string, string];
  const server = await startTemporalDevServer({
    cliPath,
    host: host === 'localhost' ? '127.0.0.1' : host,
    port: Number(port),
    uiPort: env.TEMPORAL_UI_PORT,
    dbFile: path.join(env.PUSHPROV_DATA_DIR, 'temporal', 'dev-server.sqlite'),
    namespace: env.TEMPORAL_NAMESPACE,
    log: (line) => console.log(`[temporal] ${line}`),
  });
  track({ name: 'Temporal dev server', pid: server.pid, stop: () => server.stop() });
  return { uiUrl: server.uiUrl };
}

async function startChild(name: string, entry: URL, env: NodeJS.ProcessEnv): Promise<{ url?: string }> {
  const child = spawnTypeScriptProcess(entry, [], env);
  track({ name, pid: child.pid ?? -1, stop: () => stopChild(child, name) });
  const ready = await waitForMessage<{ type: 'ready'; url?: string }>(child, 'ready', name);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    log(`${name} exited unexpectedly (code ${code}, signal ${signal}); stopping the stack`);
    void stopEverything(1);
  });
  return ready;
}

async function main(): Promise<void> {
  const env = parseEnv();
  log(`data folder: ${env.PUSHPROV_DATA_DIR}`);

  // In parallel; if one fails, whatever the other starts later is stopped as it arrives (see track).
  const [database, temporal] = await Promise.all([startDatabase(env), startTemporal(env)]);
  unlessStopping();
  const applied = await migrateDatabase(database.url);
  log(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');

  unlessStopping();
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  try {
    const added = await registerSearchAttributes(connection, env.TEMPORAL_NAMESPACE, enrollmentSearchAttributes);
    if (added.length > 0) log(`registered search attributes: ${added.join(', ')}`);
  } finally {
    await connection.close();
  }

  const processEnv = childEnv({ DATABASE_URL: database.url });
  unlessStopping();
  await startChild('worker', new URL('../workers/main.ts', import.meta.url), processEnv);
  unlessStopping();
  const api = await startChild('API', new URL('../api/server.ts', import.meta.url), processEnv);
  unlessStopping();

  log('the stack is up:');
  log(
    `  API                 ${api.url ?? `http://${env.API_HOST}:${env.API_PORT}`}  (health: /healthz, readiness: /readyz)`,
  );
  log(`  Temporal Web UI     ${temporal.uiUrl ?? '(the existing server’s own UI)'}`);
  log(
    `  Temporal frontend   ${env.TEMPORAL_ADDRESS}, namespace ${env.TEMPORAL_NAMESPACE}, task queue ${env.TEMPORAL_TASK_QUEUE}`,
  );
  log(`  PostgreSQL          ${database.description}`);
  log('press Ctrl-C to stop');
}

main().catch(async (error: unknown) => {
  if (stopping) return; // Ctrl-C during startup: whatever failed after it is not news
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[pushprov] could not start: ${message}`);
  await stopEverything(1);
});
