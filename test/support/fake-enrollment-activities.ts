/**
 * Enrollment activities that stand in for the real ones in time-skipping tests: they keep what they were
 * asked, and each can be told to fail, decline or wait.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { CapturedCard, EnrollmentActivities, PushOutcome } from '../../activities/enrollment/activity-types.js';
import { ErrorType } from '../../domain/errors.js';
import type { WalletPayload } from '../../domain/wallets.js';

/** The code the fake sends with each resend: the first is 111111, the second 222222, ... */
export const codeNumber = (sequence: number): string => String(sequence).repeat(6);
export const validAssertion = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjdXN0b21lciJ9.c2lnbmF0dXJl';

/** The payload the fake builds for every wallet enrollment. */
export const fakeWalletPayload: WalletPayload = {
  wallet: 'APPLE_PAY',
  applePay: { encryptedPassData: 'ZW5jcnlwdGVk', activationData: 'YWN0aXZhdGlvbg==', ephemeralPublicKey: 'BA==' },
};

export interface FakeActivities {
  activities: EnrollmentActivities;
  pushes: Parameters<EnrollmentActivities['pushCards']>[0][];
  codesSent: number;
  tokensRecorded: Parameters<EnrollmentActivities['recordToken']>[0][];
  outcomesPublished: Parameters<EnrollmentActivities['publishEnrollmentOutcome']>[0][];
  /** The push answers by card index: a receipt unless told otherwise. */
  declineCardIndexes: Set<number>;
  /** Failures thrown by the next pushCards calls, in order. */
  pushFailures: ApplicationFailure[];
  /** While set, pushCards waits for it before answering. */
  pushGate?: Promise<void>;
  /** While set, sendOneTimeCode has delivered the code but waits for it before answering. */
  codeGate?: Promise<void>;
  ineligibleCardIndexes: Set<number>;
  /** Thrown by the next checkEligibility call (a local activity). */
  eligibilityFailure?: ApplicationFailure;
  walletPayloads: Parameters<EnrollmentActivities['buildWalletPayload']>[0][];
  /** Failures thrown by the next buildWalletPayload calls, in order. */
  walletFailures: ApplicationFailure[];
}

export function fakeEnrollmentActivities(): FakeActivities {
  const fake: FakeActivities = {
    pushes: [],
    codesSent: 0,
    tokensRecorded: [],
    outcomesPublished: [],
    declineCardIndexes: new Set(),
    pushFailures: [],
    ineligibleCardIndexes: new Set(),
    walletPayloads: [],
    walletFailures: [],
    activities: {
      captureCards({ cards }) {
        return Promise.resolve(
          cards.map((source, index): CapturedCard => ({
            cardRef: `card-${index + 1}`,
            maskedPan: `520473******47${90 + index}`,
            network: 'MASTERCARD',
            captureMethod: source.method,
            bin: '520473',
            requiresConfirmation: source.method === 'ocr',
          })),
        );
      },
      checkEligibility({ cards }) {
        const failure = fake.eligibilityFailure;
        fake.eligibilityFailure = undefined;
        if (failure) return Promise.reject(failure);
        return Promise.resolve({
          tokenRequestorName: 'Sandpay Wallet',
          ineligible: cards
            .filter((_, index) => fake.ineligibleCardIndexes.has(index))
            .map((card) => ({ cardRef: card.cardRef, reason: 'Sandpay Wallet is not enabled for this account range' })),
        });
      },
      async sendOneTimeCode({ sequence }) {
        fake.codesSent = sequence;
        await fake.codeGate;
        return { codeHash: `hash:${codeNumber(sequence)}` };
      },
      checkOneTimeCode({ code, codeHash }) {
        return Promise.resolve(codeHash === `hash:${code}`);
      },
      verifySessionAssertion({ assertion }) {
        return Promise.resolve(
          assertion === validAssertion
            ? { valid: true }
            : { valid: false, reason: 'The assertion signature does not verify' },
        );
      },
      async pushCards(input) {
        fake.pushes.push(input);
        if (fake.pushGate) await fake.pushGate;
        const failure = fake.pushFailures.shift();
        if (failure) throw failure;
        const outcome: PushOutcome = {
          cards: input.cards.map((card, index) =>
            fake.declineCardIndexes.has(index)
              ? {
                  pushAccountId: card.pushAccountId,
                  reasonCode: 'ACCOUNT_INELIGIBLE',
                  reason: 'The account is not eligible',
                }
              : { pushAccountId: card.pushAccountId, receipt: `MCC-${randomUUID()}` },
          ),
          redirect: {
            pushMethod: input.pushMethod,
            url: `http://127.0.0.1:4030/tr/${input.tokenRequestorId}/push/web?attempt=${input.attempt}`,
            expiresAt: new Date(Date.now() + input.receiptValidityMinutes * 60_000).toISOString(),
          },
        };
        return outcome;
      },
      buildWalletPayload(input) {
        fake.walletPayloads.push(input);
        const failure = fake.walletFailures.shift();
        if (failure) return Promise.reject(failure);
        return Promise.resolve({
          reference: `WP-${input.enrollmentId}`,
          payload: fakeWalletPayload,
        });
      },
      recordToken(input) {
        fake.tokensRecorded.push(input);
        return Promise.resolve();
      },
      publishEnrollmentOutcome(input) {
        fake.outcomesPublished.push(input);
        return Promise.resolve();
      },
    },
  };
  return fake;
}

export const unavailable = (): ApplicationFailure =>
  ApplicationFailure.create({
    type: ErrorType.NetworkUnavailable,
    message: 'MDES answered pushMultipleAccounts with HTTP 503',
  });

export const declined = (): ApplicationFailure =>
  ApplicationFailure.create({
    type: ErrorType.NetworkDeclined,
    nonRetryable: true,
    message: 'MDES refused pushMultipleAccounts: ACCOUNT_INELIGIBLE: The account is not eligible for push provisioning',
  });
