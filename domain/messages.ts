/** Signals, queries and updates of the enrollment workflow, shared by the workflow, the API and the tests. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AuthenticationOutcome,
  EnrollmentStatus,
  EnrollmentView,
  FreshPushOutcome,
  ResendOutcome,
  TokenUpdate,
} from './enrollment.js';
import type { ProvisionToWalletRequest, WalletProvisioningOutcome } from './wallets.js';

export const enrollmentViewQuery = defineQuery<EnrollmentView>('enrollmentView');

/** The consumer confirms (or rejects) the card numbers read from their picture. */
export const confirmCapturedCardsUpdate = defineUpdate<{ status: EnrollmentStatus }, [{ confirmed: boolean }]>(
  'confirmCapturedCards',
);

/** The one-time code the consumer typed; answers with the redirect once the cards are pushed. */
export const submitOneTimeCodeUpdate = defineUpdate<AuthenticationOutcome, [{ code: string }]>('submitOneTimeCode');

/** An already strongly authenticated app session vouches for the cardholder with a signed assertion. */
export const submitSessionAssertionUpdate = defineUpdate<AuthenticationOutcome, [{ assertion: string }]>(
  'submitSessionAssertion',
);

export const resendOneTimeCodeUpdate = defineUpdate<ResendOutcome, []>('resendOneTimeCode');

/** After the receipts expired, the consumer may ask once for the cards to be pushed again. */
export const requestFreshPushUpdate = defineUpdate<FreshPushOutcome, []>('requestFreshPush');

export const cancelEnrollmentUpdate = defineUpdate<{ status: EnrollmentStatus }, [{ reason?: string }]>(
  'cancelEnrollment',
);

/** A network's word on a token made from one of this enrollment's receipts. */
export const tokenUpdatedSignal = defineSignal<[TokenUpdate]>('tokenUpdated');

/**
 * A wallet enrollment's one request from the issuer's app (sent with its start): the app session's
 * assertion and the wallet's device material; answers with the payload for the wallet once it is built,
 * or how the enrollment ended instead.
 */
export const provisionToWalletUpdate = defineUpdate<WalletProvisioningOutcome, [ProvisionToWalletRequest]>(
  'provisionToWallet',
);
