/**
 * What the enrollment workflow asks of the outside world, as one interface: the workflow imports these
 * types only; `createEnrollmentActivities(deps)` (create-enrollment-activities.ts) puts together the
 * implementations, one file per concern beside it.
 */
import type {
  AuthenticationChoice,
  CaptureMethod,
  CardNetwork,
  CardSource,
  PushMethod,
  Redirect,
  TokenStatus,
} from '../../domain/enrollment.js';
import type { WalletDelivery, WalletDeviceMaterial, WalletPayload } from '../../domain/wallets.js';
import type { EnrollmentOutcome } from '../../db/enrollment-events.js';

export interface CapturedCard {
  cardRef: string;
  maskedPan: string;
  network: CardNetwork;
  captureMethod: CaptureMethod;
  /** The first six digits: what eligibility is decided on. */
  bin: string;
  /** Read from a picture: the consumer confirms the number before anything is pushed. */
  requiresConfirmation: boolean;
}

export interface EligibilityVerdict {
  tokenRequestorName: string;
  /** Cards the token requestor does not take, with the reason. */
  ineligible: { cardRef: string; reason: string }[];
}

export interface PushedCardOutcome {
  pushAccountId: string;
  receipt?: string;
  reasonCode?: string;
  reason?: string;
}

export interface PushOutcome {
  cards: PushedCardOutcome[];
  /** Where to send the consumer, when at least one card got a receipt. */
  redirect?: Redirect;
}

export interface EnrollmentActivities {
  /** Resolves and vaults each card; the PAN stays in the activity and the vault. */
  captureCards(input: { enrollmentId: string; customerId: string; cards: CardSource[] }): Promise<CapturedCard[]>;
  checkEligibility(input: {
    network: CardNetwork;
    tokenRequestorId: string;
    pushMethod: PushMethod;
    cards: { cardRef: string; bin: string }[];
  }): Promise<EligibilityVerdict>;
  /** Sends a fresh code to the cardholder; returns only its keyed hash. */
  sendOneTimeCode(input: {
    enrollmentId: string;
    customerId: string;
    channel: Extract<AuthenticationChoice, { method: 'otp' }>['channel'];
    sequence: number;
  }): Promise<{ codeHash: string }>;
  checkOneTimeCode(input: { enrollmentId: string; code: string; codeHash: string }): Promise<boolean>;
  verifySessionAssertion(input: {
    enrollmentId: string;
    customerId: string;
    assertion: string;
  }): Promise<{ valid: boolean; reason?: string }>;
  /** Encrypts the cards, signs the authentication proofs and pushes: one network request, idempotent per attempt. */
  pushCards(input: {
    enrollmentId: string;
    customerId: string;
    attempt: number;
    network: CardNetwork;
    tokenRequestorId: string;
    pushMethod: PushMethod;
    authenticationMethod: AuthenticationChoice['method'];
    cards: { cardRef: string; pushAccountId: string }[];
    receiptValidityMinutes: number;
    callbackUrl?: string;
    locale?: string;
  }): Promise<PushOutcome>;
  /**
   * A wallet enrollment's payload: the wallet's device material verified, the card revealed and encrypted
   * for the wallet, the network's activation data signed, and the provisioning recorded (its reference is
   * how the network's calls find the enrollment). Idempotent per enrollment.
   */
  buildWalletPayload(input: {
    enrollmentId: string;
    customerId: string;
    cardRef: string;
    network: CardNetwork;
    tokenRequestorId: string;
    wallet: WalletDelivery;
    device: WalletDeviceMaterial;
    validityMinutes: number;
  }): Promise<{ reference: string; payload: WalletPayload }>;
  /** Tells the issuer's systems how the enrollment ended (a webhook event, once). */
  publishEnrollmentOutcome(input: EnrollmentOutcome): Promise<void>;
  /** Records a token in the issuer's inventory; an older status never overwrites a newer one. */
  recordToken(input: {
    enrollmentId: string;
    customerId: string;
    cardRef: string;
    network: CardNetwork;
    tokenRequestorId: string;
    tokenUniqueReference: string;
    status: TokenStatus;
    statusTimestamp: string;
  }): Promise<void>;
}
