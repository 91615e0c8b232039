/**
 * `npm start` as a person runs it, for the tests that need the whole local stack: free ports, a data
 * folder of its own, its own process group (so that a Ctrl-C reaches it as from a terminal), and a way
 * to find every process it left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../config/env.js';
import { eventually } from './eventually.js';
import { freePort } from './free-port.js';

export interface LocalStack {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  taskQueue: string;
  temporalAddress: string;
  ports: Record<
    'temporal' | 'ui' | 'api' | 'postgres' | 'mdes' | 'vts' | 'tokenRequestors' | 'codec' | 'workerMetrics',
    number
  >;
  url(part: 'ui' | 'api' | 'mdes' | 'vts' | 'tokenRequestors' | 'codec' | 'workerMetrics'): string;
  /** Runs npm start (or `npm <npmArgs>`, e.g. run start:cluster); resolves once it printed that it is up. */
  start(npmArgs?: string[]): Promise<{ process: ChildProcess; output: () => string }>;
  /** SIGINT to the foreground group; resolves once every process of the stack is gone (or 30 s passed). */
  ctrlC(started: ChildProcess): Promise<void>;
  /** The processes on this machine that belong to the stack: its data folder is in their arguments or environment. */
  processes(): Promise<string[]>;
  /** Ctrl-C to every stack started that still runs: a test that failed midway leaves none to the next. */
  stopStarted(): Promise<void>;
  /** Stops what is still running, removes the data folder. */
  dispose(): Promise<void>;
}

export async function prepareLocalStack(
  options: { logLevel?: string; env?: NodeJS.ProcessEnv; startTimeoutMs?: number } = {},
): Promise<LocalStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pushprov-test-stack-'));
  await chmod(dataDir, 0o755);
  const ports = {
    temporal: await freePort(),
    ui: await freePort(),
    api: await freePort(),
    postgres: await freePort(),
    mdes: await freePort(),
    vts: await freePort(),
    tokenRequestors: await freePort(),
    codec: await freePort(),
    workerMetrics: await freePort(),
  };
  const taskQueue = `local-stack-test-${process.pid}-${ports.api}`;
  const temporalAddress = `127.0.0.1:${ports.temporal}`;
  // The stack under test runs its own embedded PostgreSQL, whatever the test run uses.
  const { DATABASE_URL: _external, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    PUSHPROV_DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_PORT: String(ports.ui),
    TEMPORAL_TASK_QUEUE: taskQueue,
    API_PORT: String(ports.api),
    EMBEDDED_POSTGRES_PORT: String(ports.postgres),
    SANDBOX_MDES_PORT: String(ports.mdes),
    SANDBOX_VTS_PORT: String(ports.vts),
    SANDBOX_TR_PORT: String(ports.tokenRequestors),
    CODEC_SERVER_PORT: String(ports.codec),
    WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.workerMetrics}`,
    LOG_LEVEL: options.logLevel ?? 'warn',
    ...options.env,
  };
  const started: ChildProcess[] = [];

  const processes = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const [cmdline, environ] = await Promise.all([
        readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
        readFile(`/proc/${pid}/environ`, 'utf8').catch(() => ''),
      ]);
      if (cmdline.includes(dataDir) || environ.includes(dataDir)) found.push(cmdline.replaceAll('\0', ' '));
    }
    return found;
  };

  const ctrlC = async (stack: ChildProcess): Promise<void> => {
    if (stack.exitCode !== null || stack.signalCode !== null) return;
    const exited = new Promise((resolve) => stack.once('exit', resolve));
    process.kill(-stack.pid!, 'SIGINT');
    await exited;
    await eventually(processes, (left) => left.length === 0, "the stack's processes ending", 30_000);
  };

  const stopStarted = async (): Promise<void> => {
    for (const stack of started) await ctrlC(stack);
  };

  return {
    dataDir,
    env,
    taskQueue,
    temporalAddress,
    ports,
    url: (part) => `http://127.0.0.1:${ports[part]}`,
    async start(npmArgs = ['start']) {
      const stack = spawn('npm', npmArgs, {
        cwd: projectRoot,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(stack);
      let output = '';
      stack.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      stack.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timeoutMs = options.startTimeoutMs ?? 90_000;
      const deadline = Date.now() + timeoutMs;
      const command = `npm ${npmArgs.join(' ')}`;
      while (!output.includes('press Ctrl-C to stop')) {
        if (stack.exitCode !== null) throw new Error(`${command} exited early:\n${output}`);
        if (Date.now() > deadline) throw new Error(`${command} was not up within ${timeoutMs / 1000} s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { process: stack, output: () => output };
    },
    ctrlC,
    processes,
    stopStarted,
    async dispose() {
      try {
        await stopStarted();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
