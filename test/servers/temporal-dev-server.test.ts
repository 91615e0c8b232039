// The enrollment workflow on a real Temporal dev server (the CLI npm start runs), found again by search attribute.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enrollmentWorkflowId } from '../../domain/enrollment.js';
import { enrollmentViewQuery, submitOneTimeCodeUpdate, tokenUpdatedSignal } from '../../domain/messages.js';
import { codeNumber, fakeEnrollmentActivities } from '../support/fake-enrollment-activities.js';
import { enrollmentSearchAttributes } from '../../domain/search-attributes.js';
import { registerSearchAttributes } from '../../deploy/search-attributes.js';
import {
  startTemporalDevServer,
  stopLeftoverDevServer,
  type TemporalDevServer,
} from '../../stack/temporal-dev-server.js';
import { bundleEnrollmentWorkflows, createEnrollmentWorker } from '../../workers/enrollment-worker.js';
import { enrollmentWorkflow } from '../../workflows/enrollment/workflow.js';
import { freePort } from '../support/free-port.js';
import { eventually } from '../support/eventually.js';
import { enrollmentInput, uniqueTaskQueue } from '../support/temporal.js';

let dataDir: string;
let server: TemporalDevServer;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'pushprov-test-temporal-'));
  server = await startTemporalDevServer({
    cliPath: inject('temporalCliPath'),
    host: '127.0.0.1',
    port: await freePort(),
    dbFile: path.join(dataDir, 'dev-server.sqlite'),
    namespace: 'default',
    log: () => undefined,
  });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
});

afterAll(async () => {
  await connection?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function listWorkflowIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids;
}

/** Visibility is eventually consistent: ask until the workflow is listed. */
async function eventuallyListed(query: string, workflowId: string): Promise<string[]> {
  return eventually(
    () => listWorkflowIds(query),
    (ids) => ids.includes(workflowId),
    `${workflowId} listed for ${query}`,
  );
}

describe('the Temporal dev server', () => {
  it('registers the search attributes once, and refuses none on a second registration', async () => {
    const added = await registerSearchAttributes(connection, 'default', enrollmentSearchAttributes);
    expect(added.sort()).toEqual(enrollmentSearchAttributes.map((key) => key.name).sort());
    expect(await registerSearchAttributes(connection, 'default', enrollmentSearchAttributes)).toEqual([]);
  });

  it('runs an enrollment that operators find again by its token requestor and status', async () => {
    const taskQueue = uniqueTaskQueue();
    const tokenRequestorId = String(Date.now()).padStart(11, '0').slice(-11);
    const input = enrollmentInput({ tokenRequestorId });
    const workflowId = enrollmentWorkflowId(input.requestId);
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const worker = await createEnrollmentWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: await bundleEnrollmentWorkflows(),
      activities: fakeEnrollmentActivities().activities,
    });
    try {
      await worker.runUntil(async () => {
        const handle = await client.workflow.start(enrollmentWorkflow, { taskQueue, workflowId, args: [input] });
        await eventuallyListed(
          `TokenRequestorId = '${tokenRequestorId}' AND EnrollmentStatus = 'AWAITING_AUTHENTICATION'`,
          workflowId,
        );
        await handle.executeUpdate(submitOneTimeCodeUpdate, { args: [{ code: codeNumber(1) }] });

        const awaiting = `TokenRequestorId = '${tokenRequestorId}' AND EnrollmentStatus = 'AWAITING_TOKEN_REQUESTOR'`;
        expect(await eventuallyListed(awaiting, workflowId)).toEqual([workflowId]);

        const { cards } = await handle.query(enrollmentViewQuery);
        await handle.signal(tokenUpdatedSignal, {
          network: 'MASTERCARD',
          receipt: cards[0]!.receipt!,
          tokenUniqueReference: 'DWSPMC000000000000000000000000000001',
          status: 'ACTIVE',
          statusTimestamp: new Date().toISOString(),
        });
        await handle.result();

        const completed = `TokenRequestorId = '${tokenRequestorId}' AND EnrollmentStatus = 'COMPLETED' AND CardNetwork = 'MASTERCARD'`;
        expect(await eventuallyListed(completed, workflowId)).toEqual([workflowId]);
        expect(await listWorkflowIds(awaiting)).toEqual([]);
      });
    } finally {
      await workerConnection.close();
    }
  });

  it('stops a server an earlier supervisor left running, found by its pid file', async () => {
    const dbFile = path.join(dataDir, 'left-running.sqlite');
    const leftRunning = await startTemporalDevServer({
      cliPath: inject('temporalCliPath'),
      host: '127.0.0.1',
      port: await freePort(),
      dbFile,
      namespace: 'default',
      log: () => undefined,
    });
    expect(existsSync(`${dbFile}.pid`)).toBe(true);

    // The supervisor that started it is gone; the next start cleans up after it.
    expect(await stopLeftoverDevServer(dbFile)).toBe(leftRunning.pid);
    await leftRunning.exited;
    expect(existsSync(`/proc/${leftRunning.pid}`)).toBe(false);
    expect(existsSync(`${dbFile}.pid`)).toBe(false);
    expect(await stopLeftoverDevServer(dbFile)).toBeUndefined();
  });
});
