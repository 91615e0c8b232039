/**
 * Runs a real Temporal cluster for `npm run start:cluster`: the temporal-server binary (frontend, history,
 * matching and worker services in one process) on the stack's PostgreSQL, its schema set up by
 * temporal-sql-tool, the namespace registered with the Temporal CLI and the engine's search attributes
 * added. No Web UI: the CLI's dev server is the one that embeds it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { registerSearchAttributes } from '../deploy/search-attributes.js';
import { enrollmentSearchAttributes } from '../domain/search-attributes.js';
import { waitForTemporal } from '../lifecycle/temporal-health.js';
import { exitOf, relayLines, stopChild, stopLeftoverServer, type ManagedProcess } from './processes.js';
import { clusterPortsIn } from './temporal-cluster-ports.js';
import { clusterDynamicConfig, temporalServerConfig, type ClusterDatabaseServer } from './temporal-cluster-config.js';
import { setUpClusterDatabases } from './temporal-cluster-schema.js';
import type { TemporalServerBinaries } from './temporal-server-build.js';

export interface TemporalClusterOptions {
  binaries: TemporalServerBinaries;
  /** The Temporal CLI, which registers the namespace. */
  cliPath: string;
  host: string;
  /** The frontend's gRPC port: where the API and the workers connect. */
  port: number;
  /** The cluster's own files: its configuration (mode 0600: it holds the database password), ports, pid. */
  stateDir: string;
  database: ClusterDatabaseServer;
  namespace: string;
  /** Progress of the setup, and the server's own lines (it logs at warn level). */
  log: (line: string) => void;
}

export interface TemporalCluster extends ManagedProcess {
  address: string;
  /** Databases temporal-sql-tool created on this start (none when they existed). */
  createdDatabases: string[];
}

export class TemporalClusterError extends Error {
  override name = 'TemporalClusterError';
}

const readinessTimeoutMs = 120_000;
const configEnvironment = 'pushprov';
const pidFileOf = (stateDir: string): string => path.join(stateDir, 'server.pid');

export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const { host, stateDir } = options;
  const address = `${host}:${options.port}`;
  const configDir = path.join(stateDir, 'config');
  await mkdir(configDir, { recursive: true, mode: 0o700 });

  const createdDatabases = await setUpClusterDatabases(options.binaries.sqlTool, options.database);
  const ports = await clusterPortsIn(stateDir, options.port);
  const dynamicConfigFile = path.join(configDir, 'dynamic-config.yaml');
  await writeFile(dynamicConfigFile, `${JSON.stringify(clusterDynamicConfig(), null, 2)}\n`);
  const config = temporalServerConfig({
    host,
    ports,
    database: options.database,
    numHistoryShards: 4,
    dynamicConfigFile,
    logLevel: 'warn',
  });
  await writeFile(path.join(configDir, `${configEnvironment}.yaml`), `${JSON.stringify(config, null, 2)}\n`, {
    mode: 0o600,
  });

  // Its own process group, like the dev server: the supervisor stops it after the workers.
  const child = spawn(
    options.binaries.server,
    ['--root', stateDir, '--config', 'config', '--env', configEnvironment, '--allow-no-auth', 'start'],
    { cwd: stateDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = exitOf(child);
  let stopRequested = false;
  const output = relayLines([child.stdout, child.stderr], options.log, () => stopRequested);
  const stop = async (): Promise<void> => {
    stopRequested = true;
    await stopChild(child, 'Temporal server');
    await rm(pidFileOf(stateDir), { force: true });
  };
  const failedToStart = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new TemporalClusterError(`Cannot run ${options.binaries.server}: ${error.message}`)),
    );
    void exited.then(() =>
      reject(new TemporalClusterError(`The Temporal server exited before it was ready on ${address}:\n${output()}`)),
    );
  });
  failedToStart.catch(() => undefined);
  try {
    await writeFile(pidFileOf(stateDir), `${child.pid}\n`);
    await Promise.race([waitForTemporal(address, readinessTimeoutMs), failedToStart]);
    await Promise.race([prepareNamespace(options, address), failedToStart]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, createdDatabases, pid: child.pid ?? -1, exited, stop };
}

/** The namespace (with the CLI, as an operator would), the engine's search attributes, then until both are served. */
async function prepareNamespace(options: TemporalClusterOptions, address: string): Promise<void> {
  const cli = (args: string[]) =>
    promisify(execFile)(options.cliPath, [...args, '--address', address, '--namespace', options.namespace]);
  const exists = await cli(['operator', 'namespace', 'describe']).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await cli(['operator', 'namespace', 'create', '--retention', '72h']);
    options.log(`registered namespace ${options.namespace}`);
  }
  // The services learn of a namespace and of its search attributes from their registry, refreshed every few
  // seconds: first until the namespace is served, then until a visibility query by the attributes is.
  const connection = await Connection.connect({ address });
  const served = async (query: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await connection.workflowService.countWorkflowExecutions({ namespace: options.namespace, query });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  try {
    await served('');
    await registerSearchAttributes(connection, options.namespace, enrollmentSearchAttributes);
    await served(enrollmentSearchAttributes.map((key) => `${key.name} = 'probe'`).join(' AND '));
  } finally {
    await connection.close();
  }
}

/**
 * Stops a server on `stateDir` that an earlier supervisor started and could not stop (it was killed), so that
 * this start does not find its ports taken. Returns its pid, if there was one.
 */
export function stopLeftoverCluster(stateDir: string): Promise<number | undefined> {
  return stopLeftoverServer(
    pidFileOf(stateDir),
    (cmdline) => cmdline.includes(`\0${stateDir}\0`) && cmdline.includes('\0start'),
  );
}
