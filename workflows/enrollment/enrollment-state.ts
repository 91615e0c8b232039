/** What one enrollment knows as it goes: its view for the consumer, and what its stages and handlers share. */
import { log, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { enrollmentDetails } from '../../domain/operator-summaries.js';
import {
  oneTimeCodeRules,
  receiptValidityMinutes,
  terminalStatuses,
  type AuthenticationChoice,
  type CardState,
  type EnrollmentCard,
  type EnrollmentInput,
  type EnrollmentResult,
  type EnrollmentStatus,
  type EnrollmentView,
} from '../../domain/enrollment.js';
import { EnrollmentStatusKey } from '../../domain/search-attributes.js';
import type { WalletDeviceMaterial, WalletPayload } from '../../domain/wallets.js';
import { EarlyEnd } from './early-end.js';
import { StageMetrics } from './stage-metrics.js';

/** The one-time code's progress: never the code itself, only its keyed hash. */
export interface OneTimeCodeProgress {
  /** The hash a submitted code is checked against; none while no code counts (a resent one is on its way). */
  hash?: string;
  /** The first code is on its way: it may reach the phone before its sending is recorded here. */
  underWay: boolean;
  sentAt: number;
  sent: number;
  wrong: number;
}

export class EnrollmentState {
  readonly authentication: AuthenticationChoice;
  /** What the network is told the receipts are valid for. */
  readonly receiptValidityMinutes: number;
  /** When the enrollment treats the receipts as expired (sooner in demos). */
  readonly receiptTimerMs: number;
  readonly view: EnrollmentView;
  readonly metrics = new StageMetrics();
  /** Each card's BIN (by card reference), what eligibility is decided on. */
  readonly bins = new Map<string, string>();
  readonly code: OneTimeCodeProgress = { underWay: false, sentAt: 0, sent: 0, wrong: 0 };
  /** The consumer's reason, once they asked to cancel. */
  cancelRequested: string | undefined;
  /** The consumer's answer about card numbers read from a picture. */
  captureConfirmed: boolean | undefined;
  authenticated = false;
  /** Why the cardholder's authentication was refused, when it cannot be tried again (a wallet's one request). */
  authenticationRefused: string | undefined;
  /** A wallet enrollment: the device material the app sent, then the payload built for it. */
  walletDevice: WalletDeviceMaterial | undefined;
  walletPayload: WalletPayload | undefined;
  freshPushRequested = false;
  /** Counts finished pushes, so that the handlers waiting for one know when theirs is done. */
  pushesSettled = 0;
  /** Set once the outcome is decided: no update may start new work then. */
  isClosing = false;

  constructor(
    readonly input: EnrollmentInput,
    readonly enrollmentId: string,
  ) {
    this.receiptValidityMinutes = input.receiptValidityMinutes ?? receiptValidityMinutes.default;
    this.receiptTimerMs = (input.receiptTimerSecondsForDemo ?? this.receiptValidityMinutes * 60) * 1000;
    this.authentication = input.authentication ?? { method: 'otp', channel: 'sms' };
    this.view = {
      status: 'CAPTURED',
      tokenRequestorId: input.tokenRequestorId,
      pushMethod: input.pushMethod,
      cards: [],
      authentication: { method: this.authentication.method },
      freshPushUsed: false,
      timeline: [],
      ...(input.wallet && { wallet: input.wallet }),
    };
  }

  note(event: string, detail?: string): void {
    this.view.timeline.push({ at: new Date().toISOString(), event, ...(detail && { detail }) });
    // What operators read in the Temporal UI, kept current at every step (no event of its own).
    setCurrentDetails(enrollmentDetails(this.view));
  }

  moveTo(status: EnrollmentStatus, reason?: string): void {
    this.view.status = status;
    if (reason) this.view.reason = reason;
    upsertSearchAttributes([{ key: EnrollmentStatusKey, value: status }]);
    this.note(`status ${status}`, reason);
    log.info('Enrollment status changed', { status });
  }

  isTerminal(): boolean {
    return terminalStatuses.includes(this.view.status);
  }

  cardsIn(...states: CardState[]): EnrollmentCard[] {
    return this.view.cards.filter((card) => states.includes(card.state));
  }

  settle(card: EnrollmentCard, state: CardState, reason?: string): void {
    card.state = state;
    if (reason) card.reason = reason;
  }

  codeWindowEndsAt(): number {
    return this.code.sentAt + oneTimeCodeRules.windowMs;
  }

  awaitingCode(): boolean {
    return this.view.status === 'AWAITING_AUTHENTICATION' && this.code.hash !== undefined;
  }

  stopIfCancelled(): void {
    if (this.cancelRequested !== undefined) throw new EarlyEnd('CANCELLED', this.cancelRequested);
  }

  /** A stage ended the enrollment: the cards still under way end with it. */
  endEarly({ status, reason }: EarlyEnd): void {
    const cardState: CardState = status === 'CANCELLED' ? 'CANCELLED' : status === 'EXPIRED' ? 'EXPIRED' : 'FAILED';
    for (const card of this.cardsIn('CAPTURED', 'PUSHED')) this.settle(card, cardState);
    this.moveTo(status, reason);
  }

  /** The outcome is decided: updates start no new work from now on. */
  close(): void {
    this.isClosing = true;
    this.metrics.ended(this.view.status, this.view.cards[0]?.network ?? 'UNKNOWN');
  }

  result(): EnrollmentResult {
    return {
      status: this.view.status,
      cards: this.view.cards.map(({ cardRef, maskedPan, state, tokenUniqueReference, reason }) => ({
        cardRef,
        maskedPan,
        state,
        ...(tokenUniqueReference && { tokenUniqueReference }),
        ...(reason && { reason }),
      })),
      ...(this.view.reason && { reason: this.view.reason }),
    };
  }
}
