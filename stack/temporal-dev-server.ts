/** Runs the Temporal CLI's dev server (SQLite persistence, embedded Web UI) as a child process. */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exitOf, relayLines, stopChild, stopLeftoverServer, type ManagedProcess } from './processes.js';
import { waitForTemporal } from '../lifecycle/temporal-health.js';

export interface TemporalDevServerOptions {
  cliPath: string;
  host: string;
  port: number;
  /** Serve the Web UI on this port; without it the server runs headless. */
  uiPort?: number;
  /** The codec server the Web UI decodes payloads with. */
  uiCodecEndpoint?: string;
  /** SQLite file that keeps workflows across restarts. */
  dbFile: string;
  /**
   * How SQLite commits (the default `normal`): `normal` runs it in WAL mode with synchronous=NORMAL, a commit
   * written to the log without waiting for the disk. A crash of the server (kill -9, a panic) loses nothing;
   * a crash of the machine (power, kernel) may lose the last commits before a checkpoint. `full` waits for
   * the disk at every commit (synchronous=FULL, still WAL): about a third fewer workflows per second here.
   */
  durability?: 'normal' | 'full';
  namespace: string;
  /** The server's own log lines (it logs at warn level). */
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

/** The dev server cannot notice that its supervisor died, so it leaves its pid beside its database. */
const pidFileOf = (dbFile: string): string => `${dbFile}.pid`;

/**
 * Stops a dev server on `dbFile` that an earlier supervisor started and could not stop (it was killed),
 * so that this start does not mistake it for someone else's server. Returns its pid, if there was one.
 */
export function stopLeftoverDevServer(dbFile: string): Promise<number | undefined> {
  return stopLeftoverServer(
    pidFileOf(dbFile),
    (cmdline) => cmdline.includes('\0start-dev\0') && cmdline.includes(`\0${dbFile}\0`),
  );
}

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
    // Eager activity dispatch: an activity scheduled by a workflow task goes back in the answer to that
    // task, to the worker that will run it, instead of through the task queue (half the round trips of
    // an activity; see bench/). The SDK asks for it by default; the server needs to allow it.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    `synchronous=${options.durability === 'full' ? 'full' : 'normal'}`,
    ...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    ...(options.uiCodecEndpoint && options.uiPort !== undefined
      ? ['--ui-codec-endpoint', options.uiCodecEndpoint]
      : []),
  ];
  // Own process group: a Ctrl-C in the terminal reaches the supervisor, which stops the server
  // only after the workers that talk to it.
  const child = spawn(options.cliPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = exitOf(child);
  // While it stops, the server's internal clients complain about each other going away: not news.
  let stopRequested = false;
  const output = relayLines([child.stdout, child.stderr], options.log, () => stopRequested);
  const stop = async (): Promise<void> => {
    stopRequested = true;
    await stopChild(child, 'Temporal dev server');
    await rm(pidFileOf(options.dbFile), { force: true });
  };

  const failedToStart = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new TemporalDevServerError(`Cannot run ${options.cliPath}: ${error.message}`)),
    );
    void exited.then(() =>
      reject(new TemporalDevServerError(`Temporal dev server exited before it was ready on ${address}:\n${output()}`)),
    );
  });
  failedToStart.catch(() => undefined);
  try {
    await writeFile(pidFileOf(options.dbFile), `${child.pid}\n`);
    await Promise.race([waitForTemporal(address, readinessTimeoutMs), failedToStart]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://${options.host}:${options.uiPort}`,
    pid: child.pid ?? -1,
    exited,
    stop,
  };
}
