/**
 * The enrollment: one consumer request to push one or more of their cards (up to 5) to one token
 * requestor, the states it goes through, and the rules it keeps. Card data never appears here: cards
 * are known by a vault reference and a masked PAN.
 */
import { walletDeviceTypes, wallets, type WalletDelivery } from './wallets.js';

export const enrollmentStatuses = [
  'CAPTURED',
  'AWAITING_AUTHENTICATION',
  'PUSHING',
  'AWAITING_TOKEN_REQUESTOR',
  'COMPLETED',
  'PARTIALLY_COMPLETED',
  'EXPIRED',
  'DECLINED',
  'FAILED',
  'CANCELLED',
] as const;
export type EnrollmentStatus = (typeof enrollmentStatuses)[number];

export const terminalStatuses: readonly EnrollmentStatus[] = [
  'COMPLETED',
  'PARTIALLY_COMPLETED',
  'EXPIRED',
  'DECLINED',
  'FAILED',
  'CANCELLED',
];

/** The networks' ids; each is implemented in activities/networks/<network>/ and listed in its registry.ts. */
export const cardNetworks = ['MASTERCARD', 'VISA'] as const;
export type CardNetwork = (typeof cardNetworks)[number];

export const captureMethods = ['card-on-file', 'manual', 'ocr'] as const;
export type CaptureMethod = (typeof captureMethods)[number];

export const pushMethods = ['ANDROID', 'IOS', 'WEB'] as const;
export type PushMethod = (typeof pushMethods)[number];

/** MDES: receipts and issuer-initiated digitization data are valid 5..15 minutes, 15 by default. */
export const receiptValidityMinutes = { min: 5, max: 15, default: 15 } as const;

/** Why a receipt validity is refused, or undefined when the networks accept it. */
export function receiptValidityProblem(minutes: number): string | undefined {
  const { min, max } = receiptValidityMinutes;
  if (Number.isInteger(minutes) && minutes >= min && minutes <= max) return undefined;
  return `receiptValidityMinutes must be a whole number from ${min} to ${max}, not ${minutes}`;
}

/** Strong cardholder authentication: a one-time code, its window and its limits. */
export const oneTimeCodeRules = {
  digits: 6,
  maxWrongAttempts: 3,
  windowMs: 5 * 60_000,
  resendCooldownMs: 30_000,
  maxResends: 3,
} as const;

export const oneTimeCodePattern = /^\d{6}$/;

/** How long an expired enrollment stays open for the consumer to ask, once, for a fresh push. */
export const freshPushWindowMs = 10 * 60_000;

/** How long a consumer has to confirm the card number read from a picture. */
export const captureConfirmationWindowMs = 10 * 60_000;

export const maxCardsPerEnrollment = 5;

/** Where each card comes from. Entered or photographed cards are staged by the API first: never the PAN here. */
export type CardSource = { method: 'card-on-file'; cardId: string } | { method: 'manual' | 'ocr'; captureId: string };

export type AuthenticationChoice = { method: 'otp'; channel: 'sms' | 'email' } | { method: 'session-assertion' };

export interface EnrollmentInput {
  /** The issuer's request id; the workflow id derives from it, never from card data. */
  requestId: string;
  customerId: string;
  cards: CardSource[];
  tokenRequestorId: string;
  pushMethod: PushMethod;
  authentication?: AuthenticationChoice;
  /** Where the token requestor sends the consumer back. */
  callbackUrl?: string;
  locale?: string;
  receiptValidityMinutes?: number;
  /**
   * Development and demos only (the API refuses it in production): the enrollment treats its receipts
   * as expired after this many seconds, so that the expiry path can be seen without waiting 5 minutes.
   * The network still gets a validity of 5 to 15 minutes.
   */
  receiptTimerSecondsForDemo?: number;
  /** A wallet enrollment (one card, authenticated by the app's session): the payload goes to the app. */
  wallet?: WalletDelivery;
}

export type CardState = 'CAPTURED' | 'PUSHED' | 'ACTIVE' | 'DECLINED' | 'EXPIRED' | 'CANCELLED' | 'FAILED';

export interface EnrollmentCard {
  /** The card's id in the issuer's vault. */
  cardRef: string;
  /** BIN and last four at most. */
  maskedPan: string;
  network: CardNetwork;
  captureMethod: CaptureMethod;
  state: CardState;
  /** This card's id in the push (<= 36 characters), derived from the workflow, never card data. */
  pushAccountId?: string;
  receipt?: string;
  tokenUniqueReference?: string;
  tokenStatus?: TokenStatus;
  statusTimestamp?: string;
  reason?: string;
}

export interface Redirect {
  pushMethod: PushMethod;
  url: string;
  /** When the receipts it carries expire (ISO 8601). */
  expiresAt: string;
}

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

export interface EnrollmentView {
  status: EnrollmentStatus;
  tokenRequestorId: string;
  pushMethod: PushMethod;
  cards: EnrollmentCard[];
  authentication: {
    method: AuthenticationChoice['method'];
    codeExpiresAt?: string;
    attemptsLeft?: number;
    resendsLeft?: number;
    resendAvailableAt?: string;
  };
  /** A wallet enrollment: the wallet and the device it provisions. */
  wallet?: WalletDelivery;
  /** Set while the consumer must confirm card numbers read from a picture. */
  awaitingCaptureConfirmation?: boolean;
  receiptsExpireAt?: string;
  redirect?: Redirect;
  freshPushUsed: boolean;
  /** Why the enrollment ended as it did, in plain words. */
  reason?: string;
  timeline: TimelineEntry[];
}

export interface EnrollmentResult {
  status: EnrollmentStatus;
  cards: Pick<EnrollmentCard, 'cardRef' | 'maskedPan' | 'state' | 'tokenUniqueReference' | 'reason'>[];
  reason?: string;
}

export type TokenStatus = 'INACTIVE' | 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED';

/** What the network told the issuer about a token (notifyTokenUpdated, or a declined authorizeService). */
export interface TokenUpdate {
  network: CardNetwork;
  /** The receipt the token came from: how the update finds its card. */
  receipt: string;
  tokenUniqueReference?: string;
  /** DECLINED: the network or the issuer refused to tokenise. */
  status: TokenStatus | 'DECLINED';
  statusTimestamp: string;
  reason?: string;
}

export type AuthenticationOutcome =
  | { outcome: 'WRONG_CODE'; attemptsLeft: number }
  | { outcome: 'REFUSED'; reason: string; status: EnrollmentStatus }
  | { outcome: 'AUTHENTICATED'; status: EnrollmentStatus; redirect?: Redirect; reason?: string };

export interface ResendOutcome {
  codeExpiresAt: string;
  resendAvailableAt: string;
  resendsLeft: number;
}

export interface FreshPushOutcome {
  status: EnrollmentStatus;
  redirect?: Redirect;
  reason?: string;
}

export function enrollmentWorkflowId(requestId: string): string {
  return `enrollment-${requestId}`;
}

/** An enrollment's id as the API hands it out (its workflow id: `enrollment-` and 32 hex digits). */
export const enrollmentIdPattern = /^enrollment-[0-9a-f]{32}$/;

/** A token requestor id, as both networks spell it: 11 digits. */
export const tokenRequestorIdPattern = /^\d{11}$/;

/** Why an enrollment's input is refused, or undefined. */
export function enrollmentInputProblem(input: EnrollmentInput): string | undefined {
  if (!Array.isArray(input.cards) || input.cards.length < 1 || input.cards.length > maxCardsPerEnrollment) {
    return `an enrollment pushes 1 to ${maxCardsPerEnrollment} cards`;
  }
  if (!tokenRequestorIdPattern.test(input.tokenRequestorId)) return 'tokenRequestorId must be 11 digits';
  if (!pushMethods.includes(input.pushMethod)) return `pushMethod must be one of ${pushMethods.join(', ')}`;
  const timer = input.receiptTimerSecondsForDemo;
  if (timer !== undefined && !(Number.isInteger(timer) && timer >= 1 && timer <= 900)) {
    return 'receiptTimerSecondsForDemo must be a whole number of seconds from 1 to 900';
  }
  if (input.wallet)
    return (
      walletInputProblem(input, input.wallet) ??
      receiptValidityProblem(input.receiptValidityMinutes ?? receiptValidityMinutes.default)
    );
  return receiptValidityProblem(input.receiptValidityMinutes ?? receiptValidityMinutes.default);
}

/** A wallet enrollment's own rules: one card on file, for one wallet and device, vouched for by the app's session. */
function walletInputProblem(input: EnrollmentInput, wallet: WalletDelivery): string | undefined {
  if (!wallets.includes(wallet.wallet)) return `wallet must be one of ${wallets.join(', ')}`;
  if (!walletDeviceTypes.includes(wallet.deviceType))
    return `deviceType must be one of ${walletDeviceTypes.join(', ')}`;
  if (input.cards.length !== 1 || input.cards[0]!.method !== 'card-on-file') {
    return 'a wallet enrollment provisions one card on file';
  }
  if (input.authentication?.method !== 'session-assertion') {
    return "a wallet enrollment is authenticated by the app session's assertion";
  }
  return undefined;
}
