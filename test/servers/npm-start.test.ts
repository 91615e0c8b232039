// `npm start` as a person uses it: the whole stack comes up, Ctrl-C leaves nothing running, and a
// workflow started before a restart is still there after it.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../config/env.js';
import { enrollmentWorkflowId } from '../../domain/enrollment.js';
import { enrollmentViewQuery } from '../../domain/messages.js';
import { enrollmentWorkflow } from '../../workflows/enrollment.js';
import { freePort } from '../support/free-port.js';
import { uniqueRequestId } from '../support/temporal.js';

let dataDir: string;
let env: NodeJS.ProcessEnv;
let temporalAddress: string;
let apiUrl: string;
let uiUrl: string;
const taskQueue = `npm-start-test-${process.pid}`;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'pushprov-test-stack-'));
  await chmod(dataDir, 0o755);
  const [temporalPort, uiPort, apiPort, postgresPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  temporalAddress = `127.0.0.1:${temporalPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}`;
  uiUrl = `http://127.0.0.1:${uiPort}`;
  // The stack under test runs its own embedded PostgreSQL, whatever the test run uses.
  const { DATABASE_URL: _external, ...inherited } = process.env;
  env = {
    ...inherited,
    PUSHPROV_DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_PORT: String(uiPort),
    TEMPORAL_TASK_QUEUE: taskQueue,
    API_PORT: String(apiPort),
    EMBEDDED_POSTGRES_PORT: String(postgresPort),
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

interface RunningStack {
  supervisor: ChildProcess;
  output: () => string;
}

/** Starts `npm start`'s entry in a process group of its own, as a shell runs a foreground job. */
async function startStack(): Promise<RunningStack> {
  const supervisor = spawn(process.execPath, ['--import', 'tsx', 'stack/start.ts'], {
    cwd: projectRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  supervisor.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  supervisor.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('press Ctrl-C to stop')) {
    if (supervisor.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start was not up within 90 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { supervisor, output: () => output };
}

/** Ctrl-C: SIGINT to the foreground process group; resolves with the exit code. */
async function pressCtrlC({ supervisor }: RunningStack): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
  process.kill(-supervisor.pid!, 'SIGINT');
  return exited;
}

/** Every process on the machine that belongs to this stack: its data folder is in its arguments or environment. */
async function processesOfTheStack(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const [cmdline, environ] = await Promise.all([
      readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
      readFile(`/proc/${pid}/environ`, 'utf8').catch(() => ''),
    ]);
    if (cmdline.includes(dataDir) || environ.includes(dataDir))
      found.push(`${pid} ${cmdline.replaceAll('\0', ' ').slice(0, 120)}`);
  }
  return found;
}

async function withClient<T>(body: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    return await body(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

describe('npm start', () => {
  const workflowId = enrollmentWorkflowId(uniqueRequestId());

  it('brings up the API, the Temporal Web UI and a worker, and Ctrl-C stops every process it started', async () => {
    const stack = await startStack();

    const health = await fetch(`${apiUrl}/healthz`);
    expect(health.status).toBe(200);
    const readiness = await fetch(`${apiUrl}/readyz`);
    expect(await readiness.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
    const ui = await fetch(uiUrl);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);

    await withClient(async (client) => {
      const handle = await client.workflow.start(enrollmentWorkflow, {
        taskQueue,
        workflowId,
        args: [{ requestId: workflowId, network: 'MASTERCARD', tokenRequestorId: '50110030273' }],
      });
      // Answered by the stack's own worker process.
      expect((await handle.query(enrollmentViewQuery)).status).toBe('AWAITING_TOKEN_REQUESTOR');
    });

    const running = await processesOfTheStack();
    expect(running.length).toBeGreaterThanOrEqual(6); // supervisor, PostgreSQL (2+), Temporal, worker, API

    expect(await pressCtrlC(stack)).toBe(0);
    expect(stack.output()).toMatch(
      /stopped API[\s\S]*stopped worker[\s\S]*stopped Temporal dev server[\s\S]*stopped PostgreSQL/,
    );
    expect(await processesOfTheStack()).toEqual([]);
  });

  it('finds the earlier workflow again after a restart', async () => {
    const stack = await startStack();
    try {
      expect(stack.output()).toContain('database schema is up to date');
      await withClient(async (client) => {
        const listed: string[] = [];
        for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
          listed.push(`${execution.workflowId} ${execution.status.name}`);
        }
        expect(listed).toEqual([`${workflowId} RUNNING`]);
        const view = await client.workflow.getHandle(workflowId).query(enrollmentViewQuery);
        expect(view.status).toBe('AWAITING_TOKEN_REQUESTOR');
      });
    } finally {
      expect(await pressCtrlC(stack)).toBe(0);
    }
    expect(await processesOfTheStack()).toEqual([]);
  });
});
