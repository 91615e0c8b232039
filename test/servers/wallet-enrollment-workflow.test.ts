// A wallet enrollment's paths in skipped time, on the Java time-skipping test server: the real workflow,
// its activities replaced by fakes. The app's one request (provisionToWallet) authenticates the cardholder
// and waits for the payload; the network's calls then tell whether the wallet added the card.
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { enrollmentWorkflowId, type EnrollmentInput, type TokenStatus } from '../../domain/enrollment.js';
import { ErrorType } from '../../domain/errors.js';
import {
  enrollmentViewQuery,
  provisionToWalletUpdate,
  submitSessionAssertionUpdate,
  tokenUpdatedSignal,
} from '../../domain/messages.js';
import { enrollmentSearchAttributes, WalletDeviceTypeKey, WalletKey } from '../../domain/search-attributes.js';
import type { ProvisionToWalletRequest } from '../../domain/wallets.js';
import { enrollmentWorkflow } from '../../workflows/enrollment/workflow.js';
import {
  fakeEnrollmentActivities,
  fakeWalletPayload,
  validAssertion,
  type FakeActivities,
} from '../support/fake-enrollment-activities.js';
import { recordHistory } from '../support/recorded-histories.js';
import { timeSkippingPerFile } from '../support/time-skipping.js';
import { enrollmentInput } from '../support/temporal.js';

const file = timeSkippingPerFile({ searchAttributes: enrollmentSearchAttributes });

type Handle = WorkflowHandle<typeof enrollmentWorkflow>;

const walletInput = (): Partial<EnrollmentInput> => ({
  pushMethod: 'IOS',
  authentication: { method: 'session-assertion' },
  wallet: { wallet: 'APPLE_PAY', deviceType: 'WATCH' },
});

const appRequest = (assertion = validAssertion): ProvisionToWalletRequest => ({
  assertion,
  device: {
    wallet: 'APPLE_PAY',
    applePay: {
      certificates: ['bGVhZg==', 'c3ViLWNh'],
      nonce: 'bm9uY2U=',
      nonceSignature: 'c2ln',
      encryptionScheme: 'ECC_V2',
    },
  },
});

/** Starts a wallet enrollment with a worker of its own, runs `body`, and ends what is left open. */
async function walletEnrollment<T>(
  body: (run: { fake: FakeActivities; handle: Handle }) => Promise<T>,
  options: { prepare?: (fake: FakeActivities) => void; record?: string } = {},
): Promise<T> {
  const fake = fakeEnrollmentActivities();
  options.prepare?.(fake);
  const input = enrollmentInput(walletInput());
  const { worker, taskQueue } = await file.newWorker(fake.activities);
  return worker.runUntil(async () => {
    const handle = await file.env.client.workflow.start(enrollmentWorkflow, {
      taskQueue,
      workflowId: enrollmentWorkflowId(input.requestId),
      args: [input],
    });
    try {
      const outcome = await body({ fake, handle });
      if (options.record) await recordHistory(handle, options.record);
      return outcome;
    } finally {
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test over');
    }
  });
}

const token = (receipt: string, status: TokenStatus | 'DECLINED', at: number, reason?: string) => ({
  network: 'MASTERCARD' as const,
  receipt,
  tokenUniqueReference: 'DWSPMC000000000000000000000000000000000000000001',
  status,
  statusTimestamp: new Date(at).toISOString(),
  ...(reason && { reason }),
});

describe('a wallet enrollment', () => {
  it('answers the app with the payload, then completes when the network reports the token ACTIVE', async () => {
    await walletEnrollment(
      async ({ fake, handle }) => {
        const outcome = await handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest()] });
        expect(outcome).toEqual({ outcome: 'PAYLOAD', payload: fakeWalletPayload });
        expect(fake.walletPayloads).toEqual([
          expect.objectContaining({
            cardRef: 'card-1',
            network: 'MASTERCARD',
            wallet: { wallet: 'APPLE_PAY', deviceType: 'WATCH' },
            device: appRequest().device,
            validityMinutes: 15,
          }),
        ]);
        expect(fake.pushes).toEqual([]);
        const view = await handle.query(enrollmentViewQuery);
        expect(view.status).toBe('AWAITING_TOKEN_REQUESTOR');
        expect(view.wallet).toEqual({ wallet: 'APPLE_PAY', deviceType: 'WATCH' });
        const reference = `WP-${handle.workflowId}`;
        expect(view.cards[0]).toMatchObject({ state: 'PUSHED', receipt: reference });
        await handle.signal(tokenUpdatedSignal, token(reference, 'ACTIVE', Date.now()));
        expect(await handle.result()).toMatchObject({ status: 'COMPLETED', cards: [{ state: 'ACTIVE' }] });
        expect(fake.tokensRecorded).toEqual([expect.objectContaining({ cardRef: 'card-1', status: 'ACTIVE' })]);
        const { searchAttributes } = await handle.describe();
        expect(searchAttributes).toMatchObject({
          [WalletKey.name]: ['APPLE_PAY'],
          [WalletDeviceTypeKey.name]: ['WATCH'],
        });
      },
      { record: 'wallet-apple-pay' },
    );
  });

  it('refuses a second request: the wallet nonce is good for one payload', async () => {
    await walletEnrollment(async ({ handle }) => {
      await handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest()] });
      const again = handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest()] });
      await expect(again).rejects.toThrow(WorkflowUpdateFailedError);
      const failure = await again.catch((error: WorkflowUpdateFailedError) => error.cause);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect((failure as ApplicationFailure).type).toBe(ErrorType.AttemptsExhausted);
    });
  });

  it('ends FAILED when the app session assertion is refused, and tells the app so', async () => {
    await walletEnrollment(async ({ fake, handle }) => {
      const outcome = await handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest('a.b.c')] });
      expect(outcome).toEqual({ outcome: 'AUTHENTICATION_REFUSED', reason: 'The assertion signature does not verify' });
      expect(await handle.result()).toMatchObject({ status: 'FAILED' });
      expect(fake.walletPayloads).toEqual([]);
    });
  });

  it('ends DECLINED when the wallet does not take the card, and answers the app how it ended', async () => {
    await walletEnrollment(
      async ({ fake, handle }) => {
        const outcome = await handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest()] });
        expect(outcome).toEqual({
          outcome: 'ENDED',
          status: 'DECLINED',
          reason: 'Sandpay Wallet does not take these cards',
        });
        expect(fake.walletPayloads).toEqual([]);
      },
      { prepare: (fake) => fake.ineligibleCardIndexes.add(0) },
    );
  });

  it('ends FAILED when the payload cannot be built, and answers the app why', async () => {
    await walletEnrollment(
      async ({ handle }) => {
        const outcome = await handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest()] });
        expect(outcome).toEqual({ outcome: 'ENDED', status: 'FAILED', reason: 'The device certificate has expired' });
        expect(await handle.result()).toMatchObject({ status: 'FAILED' });
      },
      {
        prepare: (fake) =>
          fake.walletFailures.push(
            ApplicationFailure.nonRetryable('The device certificate has expired', ErrorType.InvalidRequest),
          ),
      },
    );
  });

  it('waits through the yellow path: a token created pending activation, then activated, completes', async () => {
    await walletEnrollment(async ({ fake, handle }) => {
      await handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest()] });
      const reference = `WP-${handle.workflowId}`;
      await handle.signal(tokenUpdatedSignal, token(reference, 'INACTIVE', Date.now()));
      await file.env.sleep(10 * 60_000); // the cardholder activates in the issuer's app 10 minutes later
      const pending = await handle.query(enrollmentViewQuery);
      expect([pending.status, pending.cards[0]?.state]).toEqual(['AWAITING_TOKEN_REQUESTOR', 'PUSHED']);
      expect(fake.tokensRecorded).toEqual([]);
      await handle.signal(tokenUpdatedSignal, token(reference, 'ACTIVE', Date.now()));
      expect(await handle.result()).toMatchObject({ status: 'COMPLETED', cards: [{ state: 'ACTIVE' }] });
    });
  });

  it('expires on the yellow path when the token is never activated within the payload validity', async () => {
    await walletEnrollment(async ({ handle }) => {
      await handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest()] });
      await handle.signal(tokenUpdatedSignal, token(`WP-${handle.workflowId}`, 'INACTIVE', Date.now()));
      expect(await handle.result()).toMatchObject({ status: 'EXPIRED', cards: [{ state: 'EXPIRED' }] });
    });
  });

  it('ends DECLINED when the network declines the wallet tokenisation', async () => {
    await walletEnrollment(async ({ handle }) => {
      await handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest()] });
      await handle.signal(
        tokenUpdatedSignal,
        token(`WP-${handle.workflowId}`, 'DECLINED', Date.now(), 'CARD_NOT_ALLOWED'),
      );
      expect(await handle.result()).toMatchObject({ status: 'DECLINED', reason: 'CARD_NOT_ALLOWED' });
    });
  });

  it('expires when the wallet never tokenises within the payload validity of 15 minutes', async () => {
    await walletEnrollment(async ({ handle }) => {
      await handle.executeUpdate(provisionToWalletUpdate, { args: [appRequest()] });
      const before = Date.now();
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'EXPIRED', cards: [{ state: 'EXPIRED' }] });
      expect(result.reason).toBe('The wallet did not add the card before its payload expired');
      expect(Date.now() - before).toBeLessThan(60_000); // skipped time, not waited
    });
  });

  it('refuses the session-assertion step of an ordinary enrollment for a wallet enrollment', async () => {
    await walletEnrollment(async ({ fake, handle }) => {
      const refused = handle.executeUpdate(submitSessionAssertionUpdate, { args: [{ assertion: validAssertion }] });
      const failure = await refused.then(
        () => undefined,
        (error: WorkflowUpdateFailedError) => error.cause,
      );
      expect((failure as ApplicationFailure).type).toBe(ErrorType.WrongAuthenticationMethod);
      expect(fake.walletPayloads).toEqual([]);
    });
  });
});
