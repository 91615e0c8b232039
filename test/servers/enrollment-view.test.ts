// The enrollment's view read without waking its workflow: the worker writes each view the workflow records
// to PostgreSQL before that workflow task completes. Read at every step of a journey, it is never older
// than what the API has just been told; with no worker running at all, it still answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEnrollmentView, enrollmentViewOf } from '../../db/enrollment-views.js';
import type { EnrollmentView } from '../../domain/enrollment.js';
import { enrollmentViewQuery } from '../../domain/messages.js';
import { apiCaller, completeAtTokenRequestor, oneTimeCodeOf, start, type Caller } from '../support/api-caller.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { eventually } from '../support/eventually.js';

const wallet = '50110030273';
const mastercard = { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' };

let stack: EngineStack;

beforeAll(async () => {
  stack = await startEngineStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function recordedVersion(enrollmentId: string): Promise<number | undefined> {
  const { rows } = await stack.pool.query<{ version: string }>(
    'SELECT version FROM enrollment_views WHERE enrollment_id = $1',
    [enrollmentId],
  );
  return rows[0] && Number(rows[0].version);
}

describe('the enrollment view', () => {
  it('is the workflow’s own view at every step, read from PostgreSQL, even with no worker running', async () => {
    const customer: Caller = await apiCaller(stack);
    const card = await stack.vault.store(customer.customerId, mastercard, 'card-on-file');
    const started = await start(customer, {
      cards: [{ cardId: card.cardRef }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
    });
    expect(started.status).toBe(201);
    const id = started.body.id;
    const handle = stack.client.workflow.getHandle(id);

    // Once the code is sent, the view says so, as the workflow's query does.
    const awaiting = await eventually(
      () => customer.call('GET', `/v1/enrollments/${id}`),
      (response) => response.body.status === 'AWAITING_AUTHENTICATION',
      'the code sent',
    );
    expect(awaiting.body.authentication).toMatchObject({ method: 'otp', attemptsLeft: 3 });
    expect(await recordedVersion(id)).toBeGreaterThan(0);

    // The answer to the code carries the redirect; the very next read has it too (never older).
    const answered = await customer.call('POST', `/v1/enrollments/${id}/one-time-code`, {
      code: await oneTimeCodeOf(stack, id),
    });
    expect(answered.status).toBe(200);
    const afterCode = await customer.call('GET', `/v1/enrollments/${id}`);
    expect(afterCode.body).toMatchObject({ status: 'AWAITING_TOKEN_REQUESTOR', redirect: answered.body.redirect });
    const queried: EnrollmentView = await handle.query(enrollmentViewQuery);
    expect(afterCode.body.timeline).toEqual(queried.timeline);
    expect(afterCode.body.cards[0]).toMatchObject({ maskedPan: '520473******4792', state: 'PUSHED' });

    // The token requestor tokenises; the network's callbacks are correlated through the recorded view.
    const page = await completeAtTokenRequestor(stack, answered.body.redirect.url, 'https://issuer.example/added');
    expect(page).toContain('Added to');
    await handle.result();
    const completed = await customer.call('GET', `/v1/enrollments/${id}`);
    expect(completed.body).toMatchObject({ status: 'COMPLETED', cards: [{ state: 'ACTIVE' }] });
    expect(completed.body.timeline).toEqual((await handle.query(enrollmentViewQuery)).timeline);

    // No worker at all: a query could not be answered, the view still is, at once.
    await stack.stopWorker();
    const before = performance.now();
    const read = await customer.call('GET', `/v1/enrollments/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('COMPLETED');
    expect(performance.now() - before).toBeLessThan(5_000); // a query with no worker would wait far longer
    // Another customer's enrollment stays a 404, as before.
    const stranger = await apiCaller(stack);
    expect((await stranger.call('GET', `/v1/enrollments/${id}`)).status).toBe(404);
  });
});

describe('a recorded view', () => {
  const view = (status: EnrollmentView['status']): EnrollmentView => ({
    status,
    tokenRequestorId: wallet,
    pushMethod: 'WEB',
    cards: [],
    authentication: { method: 'otp' },
    freshPushUsed: false,
    timeline: [],
  });

  it('is never replaced by the view of an earlier workflow task (a slow write arriving late)', async () => {
    const id = `enrollment-${'ab'.repeat(16)}`;
    await recordEnrollmentView(stack.pool, id, 12, view('AWAITING_AUTHENTICATION'));
    await recordEnrollmentView(stack.pool, id, 7, view('CAPTURED'));
    expect((await enrollmentViewOf(stack.pool, id))?.status).toBe('AWAITING_AUTHENTICATION');
    // Several activations of one task share its version: the last one written is kept.
    await recordEnrollmentView(stack.pool, id, 12, view('PUSHING'));
    await recordEnrollmentView(stack.pool, id, 19, view('COMPLETED'));
    expect((await enrollmentViewOf(stack.pool, id))?.status).toBe('COMPLETED');
  });
});
