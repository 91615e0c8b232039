/** Stopping the child processes of the local stack: politely first, then for certain. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../config/env.js';

export interface ManagedProcess {
  pid: number;
  stop(): Promise<void>;
}

const gracePeriodMs = 15_000;

/** Sends SIGTERM and waits for the exit; SIGKILL after the grace period. Resolves once the process is gone. */
export async function stopChild(
  child: ChildProcess,
  name: string,
  log: (line: string) => void = console.warn,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    log(`${name} (pid ${child.pid}) did not stop within ${gracePeriodMs / 1000} s; killing it`);
    child.kill('SIGKILL');
  }, gracePeriodMs);
  await exited;
  clearTimeout(timer);
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
