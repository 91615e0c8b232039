// `npm start` as a person uses it: the whole stack comes up, Ctrl-C leaves nothing running, and a
// workflow started before a restart is still there after it.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalDataConverter } from '../../activities/crypto/payload-codec.js';
import { SymmetricKeyRing } from '../../activities/keys/symmetric-key-ring.js';
import { VaultKeys } from '../../activities/keys/vault-keys.js';
import { CardVault } from '../../activities/vault/card-vault.js';
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
let mdesUrl: string;
let postgresPort: number;
let codecPort: number;
let workerMetricsPort: number;
let temporalPort: number;
let uiPort: number;
let apiPort: number;
const taskQueue = `npm-start-test-${process.pid}`;
/** Stacks this file started, so that a failed assertion does not leave one running. */
const stacks: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'pushprov-test-stack-'));
  await chmod(dataDir, 0o755);
  [temporalPort, uiPort, apiPort, postgresPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const [mdesPort, vtsPort, tokenRequestorsPort] = [await freePort(), await freePort(), await freePort()];
  codecPort = await freePort();
  workerMetricsPort = await freePort();
  mdesUrl = `http://127.0.0.1:${mdesPort}`;
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
    SANDBOX_MDES_PORT: String(mdesPort),
    SANDBOX_VTS_PORT: String(vtsPort),
    SANDBOX_TR_PORT: String(tokenRequestorsPort),
    CODEC_SERVER_PORT: String(codecPort),
    WORKER_METRICS_ADDRESS: `127.0.0.1:${workerMetricsPort}`,
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  for (const stack of stacks) if (stack.exitCode === null && stack.signalCode === null) await pressCtrlC(stack);
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs `npm start` in a process group of its own, as a shell runs a foreground job; resolves once it is up. */
async function npmStart(): Promise<{ stack: ChildProcess; output: () => string }> {
  const stack = spawn('npm', ['start'], { cwd: projectRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  stacks.push(stack);
  let output = '';
  stack.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  stack.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('press Ctrl-C to stop')) {
    if (stack.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start was not up within 90 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { stack, output: () => output };
}

/**
 * Ctrl-C: SIGINT to the foreground process group (npm, its shell, tsx, the supervisor). npm itself ends by
 * the signal, as after any Ctrl-C; resolves once every process of the stack is gone.
 */
async function pressCtrlC(stack: ChildProcess): Promise<void> {
  const npmExited = new Promise((resolve) => stack.once('exit', resolve));
  process.kill(-stack.pid!, 'SIGINT');
  await npmExited;
  const deadline = Date.now() + 30_000;
  while ((await processesOfTheStack()).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function expectOrderlyStop(output: string): void {
  expect(output).toMatch(
    /stopped API[\s\S]*stopped worker[\s\S]*stopped sandbox networks[\s\S]*stopped Temporal dev server[\s\S]*stopped PostgreSQL/,
  );
  expect(output).not.toMatch(/could not stop|exited unexpectedly|did not stop within/);
}

/** The processes on this machine that belong to the stack: its data folder is in their arguments or environment. */
async function processesOfTheStack(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const [cmdline, environ] = await Promise.all([
      readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
      readFile(`/proc/${pid}/environ`, 'utf8').catch(() => ''),
    ]);
    if (cmdline.includes(dataDir) || environ.includes(dataDir)) found.push(cmdline.replaceAll('\0', ' '));
  }
  return found;
}

/** A client of the stack's Temporal, with the payload keys the stack generated (its payloads are encrypted). */
async function withClient<T>(body: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: temporalAddress });
  const payloadKeys = await SymmetricKeyRing.open(path.join(dataDir, 'keys', 'payload'));
  try {
    return await body(new Client({ connection, dataConverter: temporalDataConverter(payloadKeys) }));
  } finally {
    await connection.close();
  }
}

describe('npm start', () => {
  it('serves the API, the Web UI and a worker; Ctrl-C stops every process; a restart finds the workflow again', async () => {
    const first = await npmStart();
    expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${apiUrl}/readyz`)).json()).toEqual({
      status: 'ready',
      checks: { postgres: 'ok', temporal: 'ok' },
    });
    const manifest = JSON.parse(
      await readFile(path.join(dataDir, 'keys', 'issuer-signing', 'manifest.json'), 'utf8'),
    ) as { keys: { kid: string }[] };
    const jwks = (await (await fetch(`${apiUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual(manifest.keys.map((key) => key.kid));
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    // The sandbox networks answer, and handed the issuer its credentials.
    expect((await fetch(`${mdesUrl}/sandbox/knobs`)).status).toBe(200);
    const credentials = JSON.parse(
      await readFile(path.join(dataDir, 'sandbox', 'issuer-credentials.json'), 'utf8'),
    ) as { mdes: { baseUrl: string } };
    expect(credentials.mdes.baseUrl).toBe(mdesUrl);
    expect(first.output()).toContain(`sandbox MDES        ${mdesUrl}`);
    // The codec server the UI was told about answers, and only to an operator.
    expect(first.output()).toContain(`codec server        http://127.0.0.1:${codecPort}`);
    const anonymous = await fetch(`http://127.0.0.1:${codecPort}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"payloads":[]}',
    });
    expect(anonymous.status).toBe(401);
    const operatorToken = (await readFile(path.join(dataDir, 'keys', 'codec-operator-token'), 'utf8')).trim();
    const operator = await fetch(`http://127.0.0.1:${codecPort}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      body: '{"payloads":[]}',
    });
    expect(await operator.json()).toEqual({ payloads: [] });
    const ui = await fetch(uiUrl);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);

    // A card on file, vaulted with the keys the stack generated, in the stack's own PostgreSQL.
    const password = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
    const pool = new pg.Pool({
      connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${postgresPort}/pushprov`,
    });
    const vaultKeys = await VaultKeys.open(path.join(dataDir, 'keys', 'vault'));
    const card = await new CardVault(pool, vaultKeys).store(
      'customer-1',
      { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031 },
      'card-on-file',
    );
    // The schedule npm start created has refreshed the token requestors once already (Visa lists them
    // without account ranges; Mastercard waits for the issuer's first cards).
    const deadline = Date.now() + 20_000;
    let cached = 0;
    while (cached === 0 && Date.now() < deadline) {
      const { rows } = await pool.query<{ count: string }>(
        "SELECT count(*) FROM token_requestors WHERE network = 'VISA'",
      );
      cached = Number(rows[0]!.count);
      if (cached === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(cached).toBe(3);
    await pool.end();

    const workflowId = enrollmentWorkflowId(uniqueRequestId());
    await withClient(async (client) => {
      const handle = await client.workflow.start(enrollmentWorkflow, {
        taskQueue,
        workflowId,
        args: [
          {
            requestId: workflowId,
            customerId: 'customer-1',
            cards: [{ method: 'card-on-file', cardId: card.cardRef }],
            tokenRequestorId: '50110030273',
            pushMethod: 'WEB',
          },
        ],
      });
      // The stack's own worker runs the real activities: the card is captured and a code is sent.
      const deadline = Date.now() + 20_000;
      while ((await handle.query(enrollmentViewQuery)).status !== 'AWAITING_AUTHENTICATION' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await handle.query(enrollmentViewQuery)).status).toBe('AWAITING_AUTHENTICATION');
    });
    // The worker's metrics: the Temporal runtime's own, and what the workflow and activities recorded.
    const workerMetrics = await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
    expect(workerMetrics).toMatch(/pushprov_enrollments_started_total\{[^}]*token_requestor="50110030273"[^}]*\} 1/);
    expect(workerMetrics).toMatch(/pushprov_activity_duration_ms_count\{[^}]*activity="captureCards"[^}]*outcome="ok"/);
    expect(workerMetrics).toContain('temporal_workflow_task_execution_latency');

    const running = (await processesOfTheStack()).join('\n');
    for (const part of [
      'stack/start.ts',
      'stack/postgres-server.ts',
      'bin/postgres -D',
      'server start-dev',
      'workers/main.ts',
      'api/server.ts',
      'sandbox/main.ts',
      'api/codec-server-main.ts',
    ]) {
      expect(running).toContain(part);
    }

    await pressCtrlC(first.stack);
    expect(await processesOfTheStack()).toEqual([]);
    expectOrderlyStop(first.output());
    // Everything the stack's processes wrote (the worker captured the card, the API served it).
    expect(first.output()).not.toContain('5204731600014792');

    const second = await npmStart();
    expect(second.output()).toContain('database schema is up to date');
    await withClient(async (client) => {
      const listed: string[] = [];
      for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        listed.push(`${execution.workflowId} ${execution.status.name}`);
      }
      expect(listed).toEqual([`${workflowId} RUNNING`]);
      expect((await client.workflow.getHandle(workflowId).query(enrollmentViewQuery)).status).toBe(
        'AWAITING_AUTHENTICATION',
      );
    });
    await pressCtrlC(second.stack);
    expect(await processesOfTheStack()).toEqual([]);
    expectOrderlyStop(second.output());
  });
});
