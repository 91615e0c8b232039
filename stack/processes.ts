/** The child processes of the local stack: starting them in groups of their own, relaying and stopping them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../config/env.js';
import { drainDeadlineMs } from '../lifecycle/supervisor-link.js';

export interface ManagedProcess {
  pid: number;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<ExitStatus>;
  stop(): Promise<void>;
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * How long a child has to stop after SIGTERM before its process group is killed: some time past the
 * deadline the children drain within, so that they exit on their own.
 */
export const gracePeriodMs = drainDeadlineMs + 5_000;

export function exitOf(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/**
 * SIGTERM to the child, and after the grace period SIGKILL to its whole process group (the children are
 * group leaders), so that nothing it started survives. Resolves once the child is gone.
 */
export async function stopChild(
  child: ChildProcess,
  name: string,
  log: (line: string) => void = console.warn,
): Promise<void> {
  // Without a pid it never started (spawn failed): there is nothing to stop, and no 'exit' will come. And
  // -0 is no group of its own: process.kill(-0) would signal the supervisor's own process group.
  const { pid } = child;
  if (pid === undefined) return;
  const exited = exitOf(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    log(`${name} (pid ${pid}) did not stop within ${gracePeriodMs / 1000} s; killing its process group`);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, gracePeriodMs);
  await exited;
  clearTimeout(timer);
}

/** Passes a stream's lines to `log` (while `muted()` is false) and keeps its last 4 kB for error messages. */
export function relayLines(
  streams: (Readable | null)[],
  log: (line: string) => void,
  muted: () => boolean = () => false,
): () => string {
  let tail = '';
  for (const stream of streams) {
    stream?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      if (muted()) return;
      for (const line of text.split('\n')) if (line.trim()) log(line.trimEnd());
    });
  }
  return () => tail;
}

/**
 * Starts one of the project's TypeScript entry points as a child process with an IPC channel: the child
 * notices through `disconnect` when its parent dies, and reports readiness with `process.send`. It gets a
 * process group of its own, so a Ctrl-C in the terminal reaches only the supervisor, which stops the
 * children in order.
 */
export function spawnTypeScriptProcess(entry: URL, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', fileURLToPath(entry), ...args], {
    cwd: projectRoot,
    env,
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the child's first IPC message of the given type; rejects if it exits first. */
export function waitForMessage<T extends { type: string }>(
  child: ChildProcess,
  type: T['type'],
  name: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type) {
        cleanup();
        resolve(message as T);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Stops a server that an earlier supervisor started and could not stop (it was killed), found by the pid
 * file it left: only when that pid's command line is still the server's (`isOurs`), SIGTERM, then SIGKILL
 * after 15 s. The pid file goes either way. Returns the pid stopped, if any.
 */
export async function stopLeftoverServer(
  pidFile: string,
  isOurs: (cmdline: string) => boolean,
): Promise<number | undefined> {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  const ours = isOurs(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''));
  if (ours) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }
  await rm(pidFile, { force: true });
  return ours ? pid : undefined;
}
