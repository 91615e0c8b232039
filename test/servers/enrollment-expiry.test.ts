// The enrollment's receipt expiry in skipped time, on the Java time-skipping test server.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enrollmentWorkflowId, type EnrollmentInput } from '../../domain/enrollment.js';
import { ErrorType } from '../../domain/errors.js';
import { enrollmentViewQuery, tokenisationConfirmedSignal } from '../../domain/messages.js';
import { enrollmentSearchAttributes } from '../../domain/search-attributes.js';
import { registerSearchAttributes } from '../../stack/search-attributes.js';
import { enrollmentWorkflow } from '../../workflows/enrollment.js';
import { bundleEnrollmentWorkflows, createEnrollmentWorker } from '../../workers/enrollment-worker.js';
import { uniqueRequestId, uniqueTaskQueue } from '../support/temporal.js';

const firstToken = 'DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45';
const secondToken = 'DWSPMC00000000000000000000000000000000000000000000';
const namespace = 'default';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  [env, workflowBundle] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: inject('timeSkippingTestServerPath') } },
    }),
    bundleEnrollmentWorkflows(),
  ]);
  await registerSearchAttributes(env.connection, namespace, enrollmentSearchAttributes);
});

afterAll(async () => {
  await env?.teardown();
});

async function runEnrollment<T>(body: (taskQueue: string, input: EnrollmentInput) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue();
  const worker = await createEnrollmentWorker({
    connection: env.nativeConnection,
    namespace,
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
      expect((await handle.query(enrollmentViewQuery)).receiptsExpireAt).toBeDefined();

      await env.sleep(14 * 60_000 + 59_000);
      await handle.signal(tokenisationConfirmedSignal, { tokenUniqueReference: firstToken });

      expect(await handle.result()).toEqual({ status: 'COMPLETED', tokenUniqueReference: firstToken });
    });
  });

  it('keeps the first confirmation when the token requestor confirms twice', async () => {
    const taskQueue = uniqueTaskQueue();
    const requestId = uniqueRequestId();
    const handle = await env.client.workflow.start(enrollmentWorkflow, {
      taskQueue,
      workflowId: enrollmentWorkflowId(requestId),
      args: [{ requestId, network: 'MASTERCARD', tokenRequestorId: '50110030273' }],
    });
    // No worker yet: both signals wait in the history and reach the workflow together.
    await handle.signal(tokenisationConfirmedSignal, { tokenUniqueReference: firstToken });
    await handle.signal(tokenisationConfirmedSignal, { tokenUniqueReference: secondToken });

    const worker = await createEnrollmentWorker({
      connection: env.nativeConnection,
      namespace,
      taskQueue,
      workflowBundle,
    });
    expect(await worker.runUntil(handle.result())).toEqual({ status: 'COMPLETED', tokenUniqueReference: firstToken });
  });
});

describe('enrollment input', () => {
  it('refuses a receipt validity the networks do not allow, without retrying', async () => {
    await runEnrollment(async (taskQueue, input) => {
      const handle = await env.client.workflow.start(enrollmentWorkflow, {
        taskQueue,
        workflowId: enrollmentWorkflowId(input.requestId),
        args: [{ ...input, receiptValidityMinutes: 16 }],
      });
      const failure = await handle.result().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(ErrorType.InvalidEnrollmentInput);
      expect((cause as ApplicationFailure).message).toBe(
        'receiptValidityMinutes must be a whole number from 5 to 15, not 16',
      );
    });
  });
});
