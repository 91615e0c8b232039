/** Runs the Temporal CLI's dev server (SQLite persistence, embedded Web UI) as a child process. */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { stopChild, type ManagedProcess } from './processes.js';

export interface TemporalDevServerOptions {
  cliPath: string;
  host: string;
  port: number;
  /** Serve the Web UI on this port; without it the server runs headless. */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts. */
  dbFile: string;
  namespace: string;
  /** Extra lines of the server's own log go here (it logs at warn level). */
  log: (line: string) => void;
}

export interface TemporalDevServer extends ManagedProcess {
  address: string;
  uiUrl: string | undefined;
}

export class TemporalDevServerError extends Error {
  override name = 'TemporalDevServerError';
}

const readinessTimeoutMs = 60_000;

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  await mkdir(path.dirname(options.dbFile), { recursive: true });
  const address = `${options.host}:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    options.host,
    '--port',
    String(options.port),
    '--db-filename',
    options.dbFile,
    '--namespace',
    options.namespace,
    '--log-format',
    'pretty',
    '--log-level',
    'warn',
    ...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
  ];
  // Own process group: a Ctrl-C in the terminal reaches the supervisor, which stops the server
  // only after the workers that talk to it.
  const child = spawn(options.cliPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // While it stops, the server's internal clients complain about each other going away: not news.
  let stopRequested = false;
  const relay = (chunk: Buffer): void => {
    const text = chunk.toString();
    output = (output + text).slice(-4000);
    if (stopRequested) return;
    for (const line of text.split('\n')) if (line.trim()) options.log(line.trimEnd());
  };
  const stop = (): Promise<void> => {
    stopRequested = true;
    return stopChild(child, 'Temporal dev server');
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);

  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new TemporalDevServerError(`Cannot run ${options.cliPath}: ${error.message}`)),
    );
    child.once('exit', (code, signal) =>
      reject(
        new TemporalDevServerError(
          `Temporal dev server exited before it was ready (code ${code}, signal ${signal}) on ${address}:\n${output}`,
        ),
      ),
    );
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForTemporal(address, readinessTimeoutMs), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://${options.host}:${options.uiPort}`,
    pid: child.pid ?? -1,
    stop,
  };
}

/** True when a Temporal frontend answers its health check at `address`. */
export async function isTemporalReachable(address: string, timeoutMs = 1_500): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    const health = await connection.healthService.check({});
    return health.status === proto.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

export async function waitForTemporal(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isTemporalReachable(address)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new TemporalDevServerError(`Temporal did not answer at ${address} within ${timeoutMs / 1000} s`);
}
