// The enrollment's receipt expiry in skipped time, on the Java time-skipping test server.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enrollmentWorkflowId, type EnrollmentInput } from '../../domain/enrollment.js';
import { enrollmentViewQuery, tokenisationConfirmedSignal } from '../../domain/messages.js';
import { enrollmentSearchAttributes } from '../../domain/search-attributes.js';
import { registerSearchAttributes } from '../../stack/search-attributes.js';
import { enrollmentWorkflow } from '../../workflows/enrollment.js';
import { bundleEnrollmentWorkflows, createEnrollmentWorker } from '../../workers/enrollment-worker.js';
import { uniqueRequestId, uniqueTaskQueue } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  [env, workflowBundle] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: inject('timeSkippingTestServerPath') } },
    }),
    bundleEnrollmentWorkflows(),
  ]);
  await registerSearchAttributes(env.connection, env.namespace ?? 'default', enrollmentSearchAttributes);
});

afterAll(async () => {
  await env?.teardown();
});

async function runEnrollment<T>(body: (taskQueue: string, input: EnrollmentInput) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue();
  const worker = await createEnrollmentWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle,
  });
  const input: EnrollmentInput = {
    requestId: uniqueRequestId(),
    network: 'MASTERCARD',
    tokenRequestorId: '50110030273',
  };
  return worker.runUntil(body(taskQueue, input));
}

describe('enrollment awaiting the token requestor', () => {
  it('expires when the token requestor has not confirmed within the 15-minute receipt validity', async () => {
    await runEnrollment(async (taskQueue, input) => {
      const startedAt = await env.currentTimeMs();
      const handle = await env.client.workflow.start(enrollmentWorkflow, {
        taskQueue,
        workflowId: enrollmentWorkflowId(input.requestId),
        args: [input],
      });

      await env.sleep(14 * 60_000 + 59_000);
      expect((await handle.query(enrollmentViewQuery)).status).toBe('AWAITING_TOKEN_REQUESTOR');

      expect(await handle.result()).toEqual({ status: 'EXPIRED' });
      const elapsedMs = (await env.currentTimeMs()) - startedAt;
      expect(elapsedMs).toBeGreaterThanOrEqual(15 * 60_000);
      expect(elapsedMs).toBeLessThan(16 * 60_000);
    });
  });

  it('completes when the token requestor confirms one second before the receipts expire', async () => {
    await runEnrollment(async (taskQueue, input) => {
      const handle = await env.client.workflow.start(enrollmentWorkflow, {
        taskQueue,
        workflowId: enrollmentWorkflowId(input.requestId),
        args: [input],
      });
      const view = await handle.query(enrollmentViewQuery);
      expect(view.receiptsExpireAt).toBeDefined();

      await env.sleep(14 * 60_000 + 59_000);
      await handle.signal(tokenisationConfirmedSignal, {
        tokenUniqueReference: 'DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45',
      });
      // A repeated confirmation changes nothing.
      await handle.signal(tokenisationConfirmedSignal, {
        tokenUniqueReference: 'DWSPMC00000000000000000000000000000000000000000000',
      });

      expect(await handle.result()).toEqual({
        status: 'COMPLETED',
        tokenUniqueReference: 'DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45',
      });
    });
  });
});
