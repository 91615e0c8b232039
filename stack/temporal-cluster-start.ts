/**
 * What `npm run start:cluster` runs in place of the dev server: the Temporal server built from the Go
 * module proxy (built while PostgreSQL starts), on the stack's PostgreSQL server, at TEMPORAL_ADDRESS.
 */
import path from 'node:path';
import type { Env } from '../config/env.js';
import { isTemporalReachable } from '../lifecycle/temporal-health.js';
import type { ClusterDatabaseServer } from './temporal-cluster-config.js';
import { startTemporalCluster, stopLeftoverCluster, type TemporalCluster } from './temporal-cluster.js';
import { ensureTemporalServer, temporalServerVersion } from './temporal-server-build.js';
import { ensureTemporalCli } from './toolchain.js';

export interface ClusterStartOptions {
  env: Env;
  /** The PostgreSQL database the engine uses; the cluster's two databases go on the same server. */
  databaseUrl: Promise<string>;
  log: (line: string) => void;
  /** Aborted when the stack stops during startup: a build under way is cut short. */
  signal: AbortSignal;
}

export async function startClusterTemporal(options: ClusterStartOptions): Promise<TemporalCluster> {
  const { env, log, signal } = options;
  const [host, port] = env.TEMPORAL_ADDRESS.split(':') as [string, string];
  if (!/^(127\.\d+\.\d+\.\d+|localhost)$/.test(host)) {
    throw new Error(`The local Temporal cluster listens on a loopback address only, not ${env.TEMPORAL_ADDRESS}`);
  }
  const stateDir = path.join(env.PUSHPROV_DATA_DIR, 'temporal-cluster');
  const leftover = await stopLeftoverCluster(stateDir);
  if (leftover) log(`stopped the Temporal server an earlier start:cluster left running (pid ${leftover})`);
  if (await isTemporalReachable(env.TEMPORAL_ADDRESS)) {
    throw new Error(
      `A Temporal server already answers at ${env.TEMPORAL_ADDRESS}: stop it, or set TEMPORAL_ADDRESS to a free port`,
    );
  }
  const cliPath = await ensureTemporalCli(env.PUSHPROV_CACHE_DIR, log, signal);
  const binaries = await ensureTemporalServer(env.PUSHPROV_CACHE_DIR, log, signal);
  const database = databaseServerOf(await options.databaseUrl);
  signal.throwIfAborted();
  log(`starting the Temporal server ${temporalServerVersion} on PostgreSQL ${database.host}:${database.port}...`);
  const cluster = await startTemporalCluster({
    binaries,
    cliPath,
    host: host === 'localhost' ? '127.0.0.1' : host,
    port: Number(port),
    stateDir,
    database,
    namespace: env.TEMPORAL_NAMESPACE,
    log: (line) => console.log(`[temporal] ${line}`),
  });
  if (cluster.createdDatabases.length > 0) {
    log(`temporal-sql-tool created and set up the databases ${cluster.createdDatabases.join(', ')}`);
  }
  return cluster;
}

function databaseServerOf(url: string): ClusterDatabaseServer {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}
