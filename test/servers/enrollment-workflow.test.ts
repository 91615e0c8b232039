// Every path of the enrollment workflow in skipped time, on the Java time-skipping test server: the real
// workflow code, its activities replaced by fakes that each test steers.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import {
  captureConfirmationWindowMs,
  enrollmentWorkflowId,
  freshPushWindowMs,
  type EnrollmentInput,
  type EnrollmentStatus,
  type EnrollmentView,
  type TokenStatus,
} from '../../domain/enrollment.js';
import { ErrorType } from '../../domain/errors.js';
import {
  cancelEnrollmentUpdate,
  confirmCapturedCardsUpdate,
  enrollmentViewQuery,
  requestFreshPushUpdate,
  resendOneTimeCodeUpdate,
  submitOneTimeCodeUpdate,
  submitSessionAssertionUpdate,
  tokenUpdatedSignal,
} from '../../domain/messages.js';
import { enrollmentSearchAttributes, EnrollmentStatusKey } from '../../domain/search-attributes.js';
import { enrollmentWorkflow } from '../../workflows/enrollment/workflow.js';
import {
  codeNumber,
  declined,
  fakeEnrollmentActivities,
  unavailable,
  validAssertion,
  type FakeActivities,
} from '../support/fake-enrollment-activities.js';
import { recordHistory } from '../support/recorded-histories.js';
import { timeSkippingPerFile } from '../support/time-skipping.js';
import { enrollmentInput, uniqueTaskQueue } from '../support/temporal.js';
import { eventually } from '../support/eventually.js';

const wallet = '50110030273';
const twoCards: EnrollmentInput['cards'] = [
  { method: 'card-on-file', cardId: 'c1' },
  { method: 'card-on-file', cardId: 'c2' },
];

const file = timeSkippingPerFile({ searchAttributes: enrollmentSearchAttributes });

type Handle = WorkflowHandle<typeof enrollmentWorkflow>;

interface Run {
  fake: FakeActivities;
  handle: Handle;
  input: EnrollmentInput;
}

/** Starts an enrollment on a fresh task queue with a worker of its own, runs `body`, and stops the worker. */
async function enrollment<T>(
  body: (run: Run) => Promise<T>,
  options: {
    input?: Partial<EnrollmentInput>;
    prepare?: (fake: FakeActivities) => void;
    /** How long a workflow task may take (10 s by default); shorter, its heartbeats come sooner. */
    workflowTaskTimeout?: string;
    /** Keep this path's history for the replay test (written when test/histories has none of that name). */
    record?: string;
  } = {},
): Promise<T> {
  const fake = fakeEnrollmentActivities();
  options.prepare?.(fake);
  const input = enrollmentInput(options.input);
  const { worker, taskQueue } = await file.newWorker(fake.activities);
  return worker.runUntil(async () => {
    const handle = await file.env.client.workflow.start(enrollmentWorkflow, {
      taskQueue,
      workflowId: enrollmentWorkflowId(input.requestId),
      args: [input],
      ...(options.workflowTaskTimeout && { workflowTaskTimeout: options.workflowTaskTimeout }),
    });
    try {
      const outcome = await body({ fake, handle, input });
      if (options.record) await recordHistory(handle, options.record);
      return outcome;
    } finally {
      // A workflow left open would get tasks (its timers firing as later tests skip time) that no worker
      // takes, and the test server stops skipping time while a task is outstanding.
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test over');
    }
  });
}

async function reach(handle: Handle, status: EnrollmentStatus): Promise<EnrollmentView> {
  return eventually(
    () => handle.query(enrollmentViewQuery),
    (view) => view.status === status,
    `the enrollment reaching ${status}`,
  );
}

/** Until the consumer is asked to confirm the card number read from a picture. */
async function awaitingCaptureConfirmation(handle: Handle): Promise<EnrollmentView> {
  return eventually(
    () => handle.query(enrollmentViewQuery),
    (view) => view.awaitingCaptureConfirmation === true,
    'the enrollment asking to confirm the captured card',
  );
}

function submitCode(handle: Handle, code: string): ReturnType<Handle['executeUpdate']> {
  return handle.executeUpdate(submitOneTimeCodeUpdate, { args: [{ code }] });
}

/** A notification about a card's token, stamped `at` (the test server's clock by default). */
async function tokenUpdate(handle: Handle, card: number, status: TokenStatus | 'DECLINED', at?: string): Promise<void> {
  const view = await handle.query(enrollmentViewQuery);
  await handle.signal(tokenUpdatedSignal, {
    network: 'MASTERCARD',
    receipt: view.cards[card]!.receipt!,
    tokenUniqueReference: `DWSPMC00000000${card}`,
    status,
    statusTimestamp: at ?? new Date(await file.env.currentTimeMs()).toISOString(),
  });
}

/** The typed refusal an update met: the type the API answers by, its details, and its words for the consumer. */
async function updateRefusal(
  attempt: Promise<unknown>,
): Promise<Pick<ApplicationFailure, 'type' | 'details' | 'message'>> {
  const error = await attempt.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const { type, details, message } = (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
  return { type, details, message };
}

/**
 * Code number `sequence` submitted while the worker still sends it (held by the fake's gate, opened by
 * `deliver`): the code is on the phone, the workflow has not recorded it. The workflow task stays open
 * while the send runs, kept alive by heartbeats at 80 % of its timeout (2 s in these tests): wall
 * time, which the test server does not skip. The submission is accepted in one of them (about 3 s in),
 * and only then is the send let go, before its 5 s limit.
 */
async function submitWhileSent(
  handle: Handle,
  fake: FakeActivities,
  sequence: number,
  deliver: () => void,
): ReturnType<typeof submitCode> {
  await eventually(
    () => Promise.resolve(fake.codesSent),
    (sent) => sent === sequence,
    `code ${sequence} on its way`,
  );
  const submitted = await handle.startUpdate(submitOneTimeCodeUpdate, {
    args: [{ code: codeNumber(sequence) }],
    waitForStage: WorkflowUpdateStage.ACCEPTED,
  });
  deliver();
  return submitted.result();
}

/** Up to the receipts' expiry: authenticated, cards pushed, and 15 minutes without a token. */
async function expired(run: Run): Promise<void> {
  await authenticated(run);
  await file.env.sleep(15 * 60_000);
  await reach(run.handle, 'EXPIRED');
}

/** Up to the consumer holding the redirect: authenticated with the first code, cards pushed. */
async function authenticated({ handle }: Run): Promise<void> {
  await reach(handle, 'AWAITING_AUTHENTICATION');
  const outcome = await submitCode(handle, codeNumber(1));
  expect(outcome).toMatchObject({ outcome: 'AUTHENTICATED', status: 'AWAITING_TOKEN_REQUESTOR' });
}

describe('the enrollment workflow', () => {
  it('happy path: code, redirect returned by the same update, token ACTIVE, recorded, COMPLETED', async () => {
    await enrollment(
      async (run) => {
        const { handle, fake } = run;
        await reach(handle, 'AWAITING_AUTHENTICATION');
        const outcome = await submitCode(handle, codeNumber(1));
        expect(outcome).toEqual({
          outcome: 'AUTHENTICATED',
          status: 'AWAITING_TOKEN_REQUESTOR',
          redirect: expect.objectContaining({
            pushMethod: 'WEB',
            url: expect.stringContaining('/tr/50110030273/') as unknown,
          }) as unknown,
        });
        expect((await handle.query(enrollmentViewQuery)).redirect).toEqual((outcome as { redirect: unknown }).redirect);
        await tokenUpdate(handle, 0, 'ACTIVE');
        const result = await handle.result();
        expect(result).toMatchObject({
          status: 'COMPLETED',
          cards: [
            {
              cardRef: 'card-1',
              maskedPan: '520473******4790',
              state: 'ACTIVE',
              tokenUniqueReference: 'DWSPMC000000000',
            },
          ],
        });
        expect(fake.pushes).toHaveLength(1);
        expect(fake.tokensRecorded).toEqual([
          expect.objectContaining({
            cardRef: 'card-1',
            status: 'ACTIVE',
            tokenRequestorId: wallet,
            customerId: 'customer-1',
          }),
        ]);
        // The issuer's systems are told how it ended, once.
        expect(fake.outcomesPublished).toEqual([
          {
            enrollmentId: handle.workflowId,
            customerId: 'customer-1',
            tokenRequestorId: wallet,
            status: 'COMPLETED',
            cards: [{ cardRef: 'card-1', state: 'ACTIVE', tokenUniqueReference: 'DWSPMC000000000' }],
          },
        ]);
        const description = await handle.describe();
        expect(description.typedSearchAttributes.get(EnrollmentStatusKey)).toBe('COMPLETED');
        const view = await handle.query(enrollmentViewQuery);
        expect(view.timeline.map((entry) => entry.event)).toEqual([
          'status CAPTURED',
          'cards captured',
          'one-time code sent',
          'status AWAITING_AUTHENTICATION',
          'cardholder authenticated',
          'status PUSHING',
          'cards pushed (attempt 1)',
          'status AWAITING_TOKEN_REQUESTOR',
          'token ACTIVE',
          'status COMPLETED',
        ]);
      },
      { record: 'happy-path-outcome-published' },
    );
  });

  it('a wrong code, then the right one', async () => {
    await enrollment(
      async ({ handle }) => {
        await reach(handle, 'AWAITING_AUTHENTICATION');
        expect(await submitCode(handle, '999999')).toEqual({ outcome: 'WRONG_CODE', attemptsLeft: 2 });
        expect(await submitCode(handle, codeNumber(1))).toMatchObject({ outcome: 'AUTHENTICATED' });
      },
      { record: 'wrong-code-then-right' },
    );
  });

  it('three wrong codes fail the enrollment; nothing is pushed', async () => {
    await enrollment(
      async ({ handle, fake }) => {
        await reach(handle, 'AWAITING_AUTHENTICATION');
        expect(await submitCode(handle, '999999')).toEqual({ outcome: 'WRONG_CODE', attemptsLeft: 2 });
        expect(await submitCode(handle, '999998')).toEqual({ outcome: 'WRONG_CODE', attemptsLeft: 1 });
        expect(await submitCode(handle, '999997')).toMatchObject({ outcome: 'REFUSED', status: 'FAILED' });
        expect(await handle.result()).toMatchObject({ status: 'FAILED', reason: 'Too many wrong codes' });
        expect(fake.pushes).toEqual([]);
      },
      { record: 'three-wrong-codes' },
    );
  });

  it('takes a code submitted before its sending was recorded (the phone was quicker than the workflow)', async () => {
    let deliver = (): void => undefined;
    await enrollment(
      async ({ handle, fake }) => {
        expect(await submitWhileSent(handle, fake, 1, deliver)).toMatchObject({
          outcome: 'AUTHENTICATED',
          status: 'AWAITING_TOKEN_REQUESTOR',
        });
        // The history says so: the update was accepted before the code's sending was recorded.
        const events = (await handle.fetchHistory()).events ?? [];
        const { EventType } = proto.temporal.api.enums.v1;
        const accepted = events.findIndex(
          (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
        );
        const codeSent = events.findIndex((event) =>
          (event.markerRecordedEventAttributes?.details?.data?.payloads ?? []).some((payload) =>
            Buffer.from(payload.data ?? [])
              .toString()
              .includes('"activity_type":"sendOneTimeCode"'),
          ),
        );
        expect([accepted > 0, codeSent > 0, accepted < codeSent]).toEqual([true, true, true]);
      },
      {
        prepare: (fake) => {
          fake.codeGate = new Promise<void>((resolve) => (deliver = resolve));
        },
        workflowTaskTimeout: '2 seconds',
        record: 'code-submitted-while-it-is-sent',
      },
    );
  });

  it('refuses a malformed code in the validator, without counting it', async () => {
    await enrollment(async ({ handle }) => {
      await reach(handle, 'AWAITING_AUTHENTICATION');
      expect(await updateRefusal(submitCode(handle, '12ab'))).toMatchObject({
        type: ErrorType.InvalidRequest,
        message: 'The code must be 6 digits',
      });
      expect((await handle.query(enrollmentViewQuery)).authentication.attemptsLeft).toBe(3);
      await handle.executeUpdate(cancelEnrollmentUpdate, { args: [{}] });
    });
  });

  it('fails when no code is entered within the 5-minute window', async () => {
    await enrollment(
      async ({ handle, fake }) => {
        await reach(handle, 'AWAITING_AUTHENTICATION');
        await file.env.sleep(4 * 60_000 + 59_000);
        expect((await handle.query(enrollmentViewQuery)).status).toBe('AWAITING_AUTHENTICATION');
        expect(await handle.result()).toMatchObject({ status: 'FAILED', reason: 'The code was not entered in time' });
        expect(fake.pushes).toEqual([]);
      },
      { record: 'authentication-window-expired-outcome-published' },
    );
  });

  it('lets a new code be sent only after the cooldown; the old code no longer works', async () => {
    await enrollment(
      async ({ handle }) => {
        await reach(handle, 'AWAITING_AUTHENTICATION');
        expect(await updateRefusal(handle.executeUpdate(resendOneTimeCodeUpdate))).toEqual({
          type: ErrorType.TooSoon,
          details: [{ retryAfterSeconds: 30 }],
          message: 'A new code can be sent in 30 s',
        });
        await file.env.sleep(30_000);
        const resent = await handle.executeUpdate(resendOneTimeCodeUpdate);
        expect(resent.resendsLeft).toBe(2);
        expect(await submitCode(handle, codeNumber(1))).toEqual({ outcome: 'WRONG_CODE', attemptsLeft: 2 });
        expect(await submitCode(handle, codeNumber(2))).toMatchObject({ outcome: 'AUTHENTICATED' });
      },
      { record: 'resend-after-cooldown' },
    );
  });

  it('refuses a resend the gateway could not deliver (CodeNotSent), and the code the consumer has still counts', async () => {
    await enrollment(
      async ({ handle }) => {
        await reach(handle, 'AWAITING_AUTHENTICATION');
        await file.env.sleep(30_000);
        expect(await updateRefusal(handle.executeUpdate(resendOneTimeCodeUpdate))).toMatchObject({
          type: ErrorType.CodeNotSent,
        });
        expect(await submitCode(handle, codeNumber(1))).toMatchObject({ outcome: 'AUTHENTICATED' });
      },
      {
        prepare: (fake) => {
          const send = fake.activities.sendOneTimeCode.bind(fake.activities);
          fake.activities.sendOneTimeCode = (input) =>
            input.sequence === 1
              ? send(input)
              : Promise.reject(
                  ApplicationFailure.create({ message: 'The SMS gateway refused the number', nonRetryable: true }),
                );
        },
      },
    );
  });

  it('takes a resent code submitted while it is still being sent, instead of checking it against the old one', async () => {
    let deliver = (): void => undefined;
    await enrollment(
      async ({ handle, fake }) => {
        await reach(handle, 'AWAITING_AUTHENTICATION');
        await file.env.sleep(30_000);
        fake.codeGate = new Promise<void>((resolve) => (deliver = resolve));
        const resent = handle.executeUpdate(resendOneTimeCodeUpdate);
        const outcome = await submitWhileSent(handle, fake, 2, deliver);
        expect((await resent).resendsLeft).toBe(2);
        expect(outcome).toMatchObject({ outcome: 'AUTHENTICATED', status: 'AWAITING_TOKEN_REQUESTOR' });
      },
      { workflowTaskTimeout: '2 seconds', record: 'resent-code-submitted-while-it-is-sent' },
    );
  });

  it('a resent code gets its own 5-minute window', async () => {
    await enrollment(async ({ handle }) => {
      await reach(handle, 'AWAITING_AUTHENTICATION');
      await file.env.sleep(4 * 60_000);
      await handle.executeUpdate(resendOneTimeCodeUpdate);
      await file.env.sleep(4 * 60_000);
      expect(await submitCode(handle, codeNumber(2))).toMatchObject({ outcome: 'AUTHENTICATED' });
    });
  });

  it('authenticates with an app session assertion instead of a code', async () => {
    await enrollment(
      async ({ handle, fake }) => {
        await reach(handle, 'AWAITING_AUTHENTICATION');
        expect(fake.codesSent).toBe(0);
        const refused = await handle.executeUpdate(submitSessionAssertionUpdate, { args: [{ assertion: 'a.b.c' }] });
        expect(refused).toMatchObject({ outcome: 'REFUSED', reason: 'The assertion signature does not verify' });
        const outcome = await handle.executeUpdate(submitSessionAssertionUpdate, {
          args: [{ assertion: validAssertion }],
        });
        expect(outcome).toMatchObject({ outcome: 'AUTHENTICATED', status: 'AWAITING_TOKEN_REQUESTOR' });
      },
      { record: 'session-assertion', input: { authentication: { method: 'session-assertion' } } },
    );
  });

  it('retries a network 5xx with the same attempt (one push on the network), then waits for the token requestor', async () => {
    await enrollment(
      async (run) => {
        await authenticated(run);
        expect(run.fake.pushes.map((push) => push.attempt)).toEqual([1, 1, 1]);
        expect(new Set(run.fake.pushes.map((push) => push.cards[0]!.pushAccountId)).size).toBe(1);
      },
      { record: 'network-5xx-then-success', prepare: (fake) => fake.pushFailures.push(unavailable(), unavailable()) },
    );
  });

  it('a business decline fails fast with its reason', async () => {
    await enrollment(
      async ({ handle, fake }) => {
        await reach(handle, 'AWAITING_AUTHENTICATION');
        const outcome = await submitCode(handle, codeNumber(1));
        expect(outcome).toEqual({
          outcome: 'AUTHENTICATED',
          status: 'DECLINED',
          reason:
            'MDES refused pushMultipleAccounts: ACCOUNT_INELIGIBLE: The account is not eligible for push provisioning',
        });
        expect(await handle.result()).toMatchObject({ status: 'DECLINED', cards: [{ state: 'FAILED' }] });
        expect(fake.pushes).toHaveLength(1);
      },
      { record: 'business-decline', prepare: (fake) => fake.pushFailures.push(declined()) },
    );
  });

  it('one of two cards declined: the other goes on, and the enrollment ends PARTIALLY_COMPLETED', async () => {
    await enrollment(
      async (run) => {
        await authenticated(run);
        const view = await run.handle.query(enrollmentViewQuery);
        expect(view.cards.map((card) => card.state)).toEqual(['PUSHED', 'DECLINED']);
        await tokenUpdate(run.handle, 0, 'ACTIVE');
        expect(await run.handle.result()).toMatchObject({
          status: 'PARTIALLY_COMPLETED',
          cards: [{ state: 'ACTIVE' }, { state: 'DECLINED', reason: 'The account is not eligible' }],
        });
      },
      {
        record: 'one-of-two-declined',
        input: { cards: twoCards },
        prepare: (fake) => fake.declineCardIndexes.add(1),
      },
    );
  });

  it('a card the token requestor does not take is declined before authentication', async () => {
    await enrollment(
      async ({ handle, fake }) => {
        expect(await handle.result()).toMatchObject({
          status: 'DECLINED',
          reason: 'Sandpay Wallet does not take these cards',
        });
        expect(fake.codesSent).toBe(0);
      },
      { prepare: (fake) => fake.ineligibleCardIndexes.add(0) },
    );
  });

  it('a token requestor the network does not list declines with its reason (a local activity refusing)', async () => {
    await enrollment(
      async ({ handle, fake }) => {
        expect(await handle.result()).toMatchObject({
          status: 'DECLINED',
          reason: 'Token requestor 50110030273 does not take Mastercard cards of this issuer',
        });
        expect(fake.codesSent).toBe(0);
      },
      {
        prepare: (fake) => {
          fake.eligibilityFailure = ApplicationFailure.nonRetryable(
            'Token requestor 50110030273 does not take Mastercard cards of this issuer',
            ErrorType.NotEligible,
          );
        },
      },
    );
  });

  it('the receipts expire at exactly 15 minutes; without a fresh push the enrollment ends EXPIRED', async () => {
    await enrollment(
      async (run) => {
        await authenticated(run);
        await file.env.sleep(14 * 60_000 + 59_000);
        expect((await run.handle.query(enrollmentViewQuery)).status).toBe('AWAITING_TOKEN_REQUESTOR');
        await file.env.sleep(1_000);
        await reach(run.handle, 'EXPIRED');
        const view = await run.handle.query(enrollmentViewQuery);
        expect(view.redirect).toBeUndefined();
        expect(await run.handle.result()).toMatchObject({ status: 'EXPIRED', cards: [{ state: 'EXPIRED' }] });
      },
      { record: 'receipts-expired' },
    );
  });

  it('a fresh push after expiry gives a new redirect, once', async () => {
    await enrollment(
      async (run) => {
        await expired(run);
        const fresh = await run.handle.executeUpdate(requestFreshPushUpdate);
        expect(fresh).toMatchObject({
          status: 'AWAITING_TOKEN_REQUESTOR',
          redirect: { url: expect.stringContaining('attempt=2') as unknown },
        });
        expect(run.fake.pushes.map((push) => push.attempt)).toEqual([1, 2]);
        expect(run.fake.pushes[1]!.cards[0]!.pushAccountId).not.toBe(run.fake.pushes[0]!.cards[0]!.pushAccountId);
        await tokenUpdate(run.handle, 0, 'ACTIVE');
        expect(await run.handle.result()).toMatchObject({ status: 'COMPLETED' });
      },
      { record: 'fresh-push' },
    );
  });

  it('refuses a second fresh push: the second expiry ends the enrollment', async () => {
    await enrollment(async (run) => {
      await expired(run);
      await run.handle.executeUpdate(requestFreshPushUpdate);
      const freshPushAt = await file.env.currentTimeMs();
      await file.env.sleep(15 * 60_000);
      // Ended at the second expiry, without the window in which the first one waited for a fresh push.
      expect(await run.handle.result()).toMatchObject({ status: 'EXPIRED', cards: [{ state: 'EXPIRED' }] });
      const { closeTime } = await run.handle.describe();
      expect(closeTime!.getTime() - freshPushAt).toBeLessThan(15 * 60_000 + freshPushWindowMs);
      await expect(run.handle.executeUpdate(requestFreshPushUpdate)).rejects.toThrow();
      expect(run.fake.pushes.map((push) => push.attempt)).toEqual([1, 2]);
    });
  });

  it('counts a late ACTIVE that arrives after the receipts expired', async () => {
    await enrollment(
      async (run) => {
        await expired(run);
        await tokenUpdate(run.handle, 0, 'ACTIVE');
        expect(await run.handle.result()).toMatchObject({ status: 'COMPLETED', cards: [{ state: 'ACTIVE' }] });
      },
      { record: 'late-active' },
    );
  });

  it('duplicated and out-of-order notifications change nothing', async () => {
    await enrollment(
      async (run) => {
        await authenticated(run);
        const now = await file.env.currentTimeMs();
        const at = (seconds: number): string => new Date(now + seconds * 1000).toISOString();
        await tokenUpdate(run.handle, 0, 'INACTIVE', at(-1));
        await tokenUpdate(run.handle, 0, 'ACTIVE', at(0));
        await tokenUpdate(run.handle, 0, 'ACTIVE', at(0));
        await tokenUpdate(run.handle, 0, 'INACTIVE', at(-2));
        const view = await run.handle.query(enrollmentViewQuery);
        expect(view.cards[0]).toMatchObject({ state: 'ACTIVE', tokenStatus: 'ACTIVE', statusTimestamp: at(0) });
        await tokenUpdate(run.handle, 1, 'ACTIVE', at(1));
        expect(await run.handle.result()).toMatchObject({ status: 'COMPLETED' });
        expect(run.fake.tokensRecorded.map((token) => [token.cardRef, token.status])).toEqual([
          ['card-1', 'ACTIVE'],
          ['card-2', 'ACTIVE'],
        ]);
      },
      {
        record: 'duplicate-notifications',
        input: { cards: twoCards },
      },
    );
  });

  it('a declined tokenisation ends the enrollment DECLINED', async () => {
    await enrollment(
      async (run) => {
        await authenticated(run);
        await tokenUpdate(run.handle, 0, 'DECLINED');
        expect(await run.handle.result()).toMatchObject({ status: 'DECLINED', cards: [{ state: 'DECLINED' }] });
      },
      { record: 'tokenisation-declined' },
    );
  });

  it('waits for the consumer to confirm a card number read from a picture', async () => {
    await enrollment(
      async ({ handle, fake }) => {
        await awaitingCaptureConfirmation(handle);
        // A second short of the window, nothing has gone on: no eligibility check, no code sent.
        await file.env.sleep(captureConfirmationWindowMs - 1_000);
        expect(await handle.query(enrollmentViewQuery)).toMatchObject({
          status: 'CAPTURED',
          awaitingCaptureConfirmation: true,
          cards: [{ cardRef: 'card-1', maskedPan: '520473******4790', captureMethod: 'ocr', state: 'CAPTURED' }],
        });
        expect(fake.codesSent).toBe(0);

        expect(await handle.executeUpdate(confirmCapturedCardsUpdate, { args: [{ confirmed: true }] })).toEqual({
          status: 'CAPTURED',
        });
        const view = await reach(handle, 'AWAITING_AUTHENTICATION');
        expect(view.awaitingCaptureConfirmation).toBe(false);
        expect(fake.codesSent).toBe(1);
        expect(view.timeline.map((entry) => entry.event)).toEqual([
          'status CAPTURED',
          'cards captured',
          'captured card numbers confirmed',
          'one-time code sent',
          'status AWAITING_AUTHENTICATION',
        ]);
      },
      { input: { cards: [{ method: 'ocr', captureId: 'capture-1' }] } },
    );
  });

  describe('cancellation', () => {
    it('while the consumer confirms a captured card', async () => {
      await enrollment(
        async ({ handle }) => {
          await awaitingCaptureConfirmation(handle);
          expect(await handle.executeUpdate(cancelEnrollmentUpdate, { args: [{ reason: 'changed my mind' }] })).toEqual(
            { status: 'CANCELLED' },
          );
          expect(await handle.result()).toMatchObject({
            status: 'CANCELLED',
            reason: 'changed my mind',
            cards: [{ state: 'CANCELLED' }],
          });
        },
        { input: { cards: [{ method: 'ocr', captureId: 'capture-1' }] } },
      );
    });

    it('while awaiting authentication', async () => {
      await enrollment(
        async ({ handle, fake }) => {
          await reach(handle, 'AWAITING_AUTHENTICATION');
          expect(await handle.executeUpdate(cancelEnrollmentUpdate, { args: [{}] })).toEqual({ status: 'CANCELLED' });
          expect(await handle.result()).toMatchObject({ status: 'CANCELLED', reason: 'Cancelled by the consumer' });
          expect(fake.pushes).toEqual([]);
        },
        { record: 'cancelled-awaiting-authentication' },
      );
    });

    it('while the push is under way: the receipts are not handed out', async () => {
      let release!: () => void;
      await enrollment(
        async ({ handle }) => {
          await reach(handle, 'AWAITING_AUTHENTICATION');
          const authentication = submitCode(handle, codeNumber(1));
          await reach(handle, 'PUSHING');
          // The cancellation is accepted while the push is still under way; then the network answers.
          const cancellation = await handle.startUpdate(cancelEnrollmentUpdate, {
            args: [{}],
            waitForStage: WorkflowUpdateStage.ACCEPTED,
          });
          release();
          expect(await cancellation.result()).toEqual({ status: 'CANCELLED' });
          expect(await authentication).toMatchObject({ outcome: 'AUTHENTICATED', status: 'CANCELLED' });
          expect((await handle.query(enrollmentViewQuery)).redirect).toBeUndefined();
        },
        {
          prepare: (fake) => {
            fake.pushGate = new Promise((resolve) => (release = resolve));
          },
        },
      );
    });

    it('while awaiting the token requestor', async () => {
      await enrollment(
        async (run) => {
          await authenticated(run);
          await run.handle.executeUpdate(cancelEnrollmentUpdate, { args: [{}] });
          expect(await run.handle.result()).toMatchObject({ status: 'CANCELLED', cards: [{ state: 'CANCELLED' }] });
        },
        { record: 'cancelled-awaiting-token-requestor' },
      );
    });

    it('not once a card was added', async () => {
      await enrollment(
        async (run) => {
          await authenticated(run);
          await tokenUpdate(run.handle, 0, 'ACTIVE');
          // The refusal meets the enrollment either still closing or already ended.
          const refusal = await updateRefusal(run.handle.executeUpdate(cancelEnrollmentUpdate, { args: [{}] }));
          expect([ErrorType.CardAlreadyAdded, ErrorType.EnrollmentEnded]).toContain(refusal.type);
          expect(await run.handle.result()).toMatchObject({ status: 'PARTIALLY_COMPLETED' });
        },
        {
          input: { cards: twoCards },
        },
      );
    });
  });

  it('starting the same request twice gives one execution', async () => {
    const input = enrollmentInput();
    const options = {
      taskQueue: uniqueTaskQueue(),
      workflowId: enrollmentWorkflowId(input.requestId),
      args: [input] as [EnrollmentInput],
    };
    const first = await file.env.client.workflow.start(enrollmentWorkflow, options);
    await expect(file.env.client.workflow.start(enrollmentWorkflow, options)).rejects.toBeInstanceOf(
      WorkflowExecutionAlreadyStartedError,
    );
    const again = await file.env.client.workflow.start(enrollmentWorkflow, {
      ...options,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(again.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await first.terminate('test over');
  });

  it('refuses input the networks do not allow, without retrying', async () => {
    await enrollment(
      async ({ handle }) => {
        const failure = await handle.result().then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
        expect(cause.type).toBe(ErrorType.InvalidEnrollmentInput);
        expect(cause.message).toBe('receiptValidityMinutes must be a whole number from 5 to 15, not 16');
      },
      { input: { receiptValidityMinutes: 16 } },
    );
  });
});
