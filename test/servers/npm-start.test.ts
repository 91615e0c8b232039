// `npm start` as a person uses it: the whole stack comes up, Ctrl-C leaves nothing running, a workflow
// started before a restart is still there after it, and a worker that crashes is started again while the
// rest of the stack serves on.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { temporalDataConverter } from '../../activities/crypto/payload-codec.js';
import { SymmetricKeyRing } from '../../activities/keys/symmetric-key-ring.js';
import { VaultKeys } from '../../activities/keys/vault-keys.js';
import { CardVault } from '../../activities/vault/card-vault.js';
import { enrollmentWorkflowId } from '../../domain/enrollment.js';
import { enrollmentViewQuery } from '../../domain/messages.js';
import { enrollmentWorkflow } from '../../workflows/enrollment/workflow.js';
import { eventually } from '../support/eventually.js';
import { enrolGrace } from '../support/local-stack-journey.js';
import { prepareLocalStack, type LocalStack } from '../support/local-stack.js';
import { enrollmentInput } from '../support/temporal.js';

let stack: LocalStack;
let dataDir: string;
let temporalAddress: string;
let taskQueue: string;
let apiUrl: string;
let uiUrl: string;
let mdesUrl: string;
let postgresPort: number;
let codecPort: number;
let workerMetricsPort: number;

beforeAll(async () => {
  stack = await prepareLocalStack();
  ({ dataDir, temporalAddress, taskQueue } = stack);
  apiUrl = stack.url('api');
  uiUrl = stack.url('ui');
  mdesUrl = stack.url('mdes');
  postgresPort = stack.ports.postgres;
  codecPort = stack.ports.codec;
  workerMetricsPort = stack.ports.workerMetrics;
});

// A test that fails midway must not leave its stack (its PostgreSQL's lock file) to the next one.
afterEach(async () => {
  await stack?.stopStarted();
});

afterAll(async () => {
  await stack?.dispose();
});

const npmStart = async (): Promise<{ stack: ChildProcess; output: () => string }> => {
  const started = await stack.start();
  return { stack: started.process, output: started.output };
};
const pressCtrlC = (started: ChildProcess): Promise<void> => stack.ctrlC(started);
const processesOfTheStack = (): Promise<string[]> => stack.processes();

/** The pid the supervisor said it started a part with. */
function pidOf(output: string, part: string): number {
  return Number(new RegExp(`started ${part} \\(pid (\\d+)\\)`).exec(output)?.[1]);
}

function expectOrderlyStop(output: string): void {
  expect(output).toMatch(
    /stopped API[\s\S]*stopped worker[\s\S]*stopped sandbox networks[\s\S]*stopped Temporal dev server[\s\S]*stopped PostgreSQL/,
  );
  expect(output).not.toMatch(/could not stop|exited unexpectedly|did not stop within/);
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
    // Ended whatever happens: a pool left open when an assertion fails meets the stack's shutdown as an
    // uncaught error in the next test.
    const card = await (async () => {
      try {
        const vaultKeys = await VaultKeys.open(path.join(dataDir, 'keys', 'vault'));
        const stored = await new CardVault(pool, vaultKeys).store(
          'customer-1',
          { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031 },
          'card-on-file',
        );
        // The schedule npm start created has refreshed the token requestors once already (Visa lists them
        // without account ranges; Mastercard waits for the issuer's first cards).
        const visaRequestors = async (): Promise<number> => {
          const { rows } = await pool.query<{ count: string }>(
            "SELECT count(*) FROM token_requestors WHERE network = 'VISA'",
          );
          return Number(rows[0]!.count);
        };
        expect(await eventually(visaRequestors, (cached) => cached > 0, "Visa's token requestors cached")).toBe(6);
        return stored;
      } finally {
        await pool.end();
      }
    })();

    const input = enrollmentInput({ cards: [{ method: 'card-on-file', cardId: card.cardRef }] });
    const workflowId = enrollmentWorkflowId(input.requestId);
    await withClient(async (client) => {
      const handle = await client.workflow.start(enrollmentWorkflow, { taskQueue, workflowId, args: [input] });
      // The stack's own worker runs the real activities: the card is captured and a code is sent.
      await eventually(
        () => handle.query(enrollmentViewQuery),
        (view) => view.status === 'AWAITING_AUTHENTICATION',
        'the enrollment awaiting authentication',
      );
    });
    // The worker's metrics: the Temporal runtime's own, and what the workflow and activities recorded.
    const workerMetrics = await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
    expect(workerMetrics).toMatch(/pushprov_enrollments_started_total\{[^}]*\} 1/);
    // A token requestor labels the stage durations once eligibility has found it among the network's.
    expect(workerMetrics).toMatch(
      /pushprov_enrollment_stage_duration_ms_count\{[^}]*stage="eligibility"[^}]*token_requestor="50110030273"/,
    );
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
      'codec-server/main.ts',
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

  it('starts a worker killed with SIGKILL again; an enrollment started afterwards completes through the API', async () => {
    const { stack: started, output } = await npmStart();
    const killed = pidOf(output(), 'worker');
    process.kill(killed, 'SIGKILL');
    await eventually(
      () => Promise.resolve(output()),
      (text) => /restarted worker|stopping the stack/.test(text),
      'the restart',
      60_000,
    );
    expect(output()).toContain(
      `worker (pid ${killed}) exited unexpectedly (signal SIGKILL); restarting it in 0.5 s (crash 1 of 5 allowed within 60 s)`,
    );
    const restarted = Number(/restarted worker \(pid (\d+)\)/.exec(output())?.[1]);
    expect(restarted).not.toBe(killed);
    expect(output()).not.toContain('stopping the stack');

    // The rest of the stack never stopped; the new worker runs a whole enrollment the consumer drives
    // through the API: the demo customer's card, the code from the demo inbox, the token requestor.
    const completed = await enrolGrace(stack, 30_000);
    expect(completed.cards.map((each) => each.state)).toEqual(['ACTIVE']);
    expect((await processesOfTheStack()).join('\n')).toContain('workers/main.ts');

    await pressCtrlC(started);
    expect(await processesOfTheStack()).toEqual([]);
    expectOrderlyStop(output().slice(output().indexOf('[pushprov] stopping...')));
  }, 180_000);
});
