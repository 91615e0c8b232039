/**
 * The enrollment worker as npm start runs it (`workers/main.ts`, a process of its own), against an engine
 * stack started without its in-process worker: so that a test can kill it with SIGKILL and start another.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnTypeScriptProcess, waitForMessage, exitOf } from '../../stack/processes.js';
import type { EngineStack } from './engine-stack.js';
import { freePort } from './free-port.js';

export interface WorkerProcess {
  pid: number;
  /** SIGKILL to the worker's process group: no shutdown, no drain, activities cut off mid-way. */
  kill(): Promise<void>;
}

export async function startWorkerProcess(stack: EngineStack): Promise<WorkerProcess> {
  const child: ChildProcess = spawnTypeScriptProcess(new URL('../../workers/main.ts', import.meta.url), [], {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'error',
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    PUSHPROV_KEYS_DIR: stack.keysDir,
    PUSHPROV_NETWORK_CREDENTIALS_FILE: stack.sandbox.credentialsFile,
    PUSHPROV_GENERATE_KEYS: 'false',
    WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
  });
  await waitForMessage(child, 'ready', 'worker');
  return {
    pid: child.pid!,
    async kill() {
      const exited = exitOf(child);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // already gone
      }
      await exited;
    },
  };
}
