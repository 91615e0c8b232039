/**
 * What the enrollment answers while it runs: the view query, the consumer's updates (each validated
 * before it is accepted, refused with a typed ApplicationFailure the API maps to a status), and the
 * network's token notifications.
 */
import { ApplicationFailure, condition, isCancellation, log, setHandler } from '@temporalio/workflow';
import {
  oneTimeCodePattern,
  oneTimeCodeRules,
  type AuthenticationOutcome,
  type FreshPushOutcome,
  type TokenUpdate,
} from '../../domain/enrollment.js';
import { ErrorType, type RefusalDetails, type RefusalType } from '../../domain/errors.js';
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
import { sendOneTimeCode } from './authentication.js';
import type { EnrollmentState } from './enrollment-state.js';
import { checkOneTimeCode, shortSteps, verifySessionAssertion } from './steps.js';

/** A refusal of a consumer's request: its type decides the API's answer, its message is for the consumer. */
export function refusal<T extends RefusalType>(
  type: T,
  message: string,
  ...details: T extends keyof RefusalDetails ? [RefusalDetails[T]] : []
): ApplicationFailure {
  return ApplicationFailure.create({ type, message, details });
}

/** Registers every handler; called before the first stage, so that none reads state not yet there. */
export function registerMessageHandlers(state: EnrollmentState): void {
  const { authentication, code, view } = state;
  const isTerminal = (): boolean => state.isTerminal();
  const awaitingCode = (): boolean => state.awaitingCode();

  /** What the consumer waiting on an authentication or a fresh push gets back, once the push settled. */
  async function redirectAfterPush(pushesBefore: number): Promise<FreshPushOutcome> {
    await condition(() => state.pushesSettled > pushesBefore || state.isClosing);
    return {
      status: view.status,
      ...(view.status === 'AWAITING_TOKEN_REQUESTOR' && view.redirect && { redirect: view.redirect }),
      ...(view.reason && isTerminal() && { reason: view.reason }),
    };
  }

  const authenticationIsOver = (): AuthenticationOutcome => ({
    outcome: 'REFUSED',
    reason: 'Authentication is over',
    status: view.status,
  });

  setHandler(enrollmentViewQuery, () => view);

  setHandler(
    confirmCapturedCardsUpdate,
    ({ confirmed }) => {
      state.captureConfirmed = confirmed;
      state.note(confirmed ? 'captured card numbers confirmed' : 'captured card numbers rejected');
      return { status: view.status };
    },
    {
      validator: ({ confirmed }) => {
        if (typeof confirmed !== 'boolean') {
          throw refusal(ErrorType.InvalidRequest, 'confirmed must be true or false');
        }
        if (!view.awaitingCaptureConfirmation || state.captureConfirmed !== undefined) {
          throw refusal(ErrorType.NotAwaited, 'No captured card number is waiting for confirmation');
        }
      },
    },
  );

  setHandler(
    submitOneTimeCodeUpdate,
    async ({ code: submitted }): Promise<AuthenticationOutcome> => {
      if (!awaitingCode()) {
        // A quick consumer (the code reached the phone before its sending was recorded here): wait for that.
        await condition(() => awaitingCode() || isTerminal());
        if (isTerminal()) return authenticationIsOver();
      }
      if (Date.now() >= state.codeWindowEndsAt()) {
        return { outcome: 'REFUSED', reason: 'The code has expired; ask for a new one', status: view.status };
      }
      const pushesBefore = state.pushesSettled;
      const right = await checkOneTimeCode({ enrollmentId: state.enrollmentId, code: submitted, codeHash: code.hash! });
      if (state.authenticated || isTerminal()) return authenticationIsOver();
      if (!right) {
        code.wrong += 1;
        const attemptsLeft = oneTimeCodeRules.maxWrongAttempts - code.wrong;
        view.authentication.attemptsLeft = attemptsLeft;
        state.note('wrong one-time code', `${attemptsLeft} attempts left`);
        if (attemptsLeft <= 0) return { outcome: 'REFUSED', reason: 'Too many wrong codes', status: 'FAILED' };
        return { outcome: 'WRONG_CODE', attemptsLeft };
      }
      state.authenticated = true;
      state.note('cardholder authenticated', 'one-time code');
      return { outcome: 'AUTHENTICATED', ...(await redirectAfterPush(pushesBefore)) };
    },
    {
      validator: ({ code: submitted }) => {
        if (typeof submitted !== 'string' || !oneTimeCodePattern.test(submitted)) {
          throw refusal(ErrorType.InvalidRequest, `The code must be ${oneTimeCodeRules.digits} digits`);
        }
        if (authentication.method !== 'otp') {
          throw refusal(ErrorType.WrongAuthenticationMethod, 'This enrollment does not authenticate with a code');
        }
        if (state.authenticated || isTerminal() || !(awaitingCode() || code.underWay)) {
          throw refusal(ErrorType.NotAwaited, `No code is awaited (the enrollment is ${view.status})`);
        }
        if (code.wrong >= oneTimeCodeRules.maxWrongAttempts) {
          throw refusal(ErrorType.AttemptsExhausted, 'Too many wrong codes');
        }
      },
    },
  );

  setHandler(
    submitSessionAssertionUpdate,
    async ({ assertion }): Promise<AuthenticationOutcome> => {
      const pushesBefore = state.pushesSettled;
      const verdict = await verifySessionAssertion({
        enrollmentId: state.enrollmentId,
        customerId: state.input.customerId,
        assertion,
      });
      if (state.authenticated || isTerminal()) return authenticationIsOver();
      if (!verdict.valid) {
        state.note('session assertion refused', verdict.reason);
        return { outcome: 'REFUSED', reason: verdict.reason ?? 'The assertion does not verify', status: view.status };
      }
      state.authenticated = true;
      state.note('cardholder authenticated', 'app session assertion');
      return { outcome: 'AUTHENTICATED', ...(await redirectAfterPush(pushesBefore)) };
    },
    {
      validator: ({ assertion }) => {
        if (typeof assertion !== 'string' || assertion.split('.').length !== 3) {
          throw refusal(ErrorType.InvalidRequest, 'The assertion must be a compact JWS');
        }
        if (authentication.method !== 'session-assertion' || state.input.wallet) {
          throw refusal(
            ErrorType.WrongAuthenticationMethod,
            'This enrollment does not authenticate with a session assertion',
          );
        }
        if (view.status !== 'AWAITING_AUTHENTICATION' || state.authenticated) {
          throw refusal(ErrorType.NotAwaited, `No authentication is awaited (the enrollment is ${view.status})`);
        }
      },
    },
  );

  setHandler(
    resendOneTimeCodeUpdate,
    async () => {
      try {
        await sendOneTimeCode(state);
      } catch (error) {
        if (isCancellation(error)) throw error;
        throw refusal(ErrorType.CodeNotSent, 'The new code could not be sent; the last one still counts');
      }
      return {
        codeExpiresAt: view.authentication.codeExpiresAt!,
        resendAvailableAt: view.authentication.resendAvailableAt!,
        resendsLeft: view.authentication.resendsLeft!,
      };
    },
    {
      validator: () => {
        if (authentication.method !== 'otp') {
          throw refusal(ErrorType.WrongAuthenticationMethod, 'This enrollment does not authenticate with a code');
        }
        if (view.status !== 'AWAITING_AUTHENTICATION' || code.hash === undefined || state.authenticated) {
          throw refusal(ErrorType.NotAwaited, `No code is awaited (the enrollment is ${view.status})`);
        }
        if (code.sent - 1 >= oneTimeCodeRules.maxResends) {
          throw refusal(ErrorType.AttemptsExhausted, 'No more codes can be sent');
        }
        const wait = code.sentAt + oneTimeCodeRules.resendCooldownMs - Date.now();
        if (wait > 0) {
          const retryAfterSeconds = Math.ceil(wait / 1000);
          throw refusal(ErrorType.TooSoon, `A new code can be sent in ${retryAfterSeconds} s`, { retryAfterSeconds });
        }
      },
    },
  );

  setHandler(
    requestFreshPushUpdate,
    async () => {
      const pushesBefore = state.pushesSettled;
      state.freshPushRequested = true;
      state.note('fresh push requested');
      return redirectAfterPush(pushesBefore);
    },
    {
      validator: () => {
        if (view.status !== 'EXPIRED' || state.isClosing) {
          throw refusal(ErrorType.NotAwaited, `Only an expired enrollment can be pushed again (it is ${view.status})`);
        }
        if (view.freshPushUsed || state.freshPushRequested) {
          throw refusal(ErrorType.AttemptsExhausted, 'A fresh push was already used');
        }
      },
    },
  );

  setHandler(
    cancelEnrollmentUpdate,
    async ({ reason }) => {
      state.cancelRequested = reason ?? 'Cancelled by the consumer';
      state.note('cancellation requested', reason);
      await condition(isTerminal);
      return { status: view.status };
    },
    {
      validator: ({ reason }) => {
        if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) {
          throw refusal(ErrorType.InvalidRequest, 'reason must be a text of at most 200 characters');
        }
        if ((isTerminal() && view.status !== 'EXPIRED') || state.isClosing) {
          throw refusal(ErrorType.EnrollmentEnded, `The enrollment has ended (${view.status})`);
        }
        if (state.cardsIn('ACTIVE').length > 0) {
          throw refusal(ErrorType.CardAlreadyAdded, 'A card was already added; the enrollment cannot be cancelled');
        }
      },
    },
  );

  setHandler(tokenUpdatedSignal, async (update: TokenUpdate) => {
    const card = view.cards.find(
      (candidate) => candidate.receipt !== undefined && candidate.receipt === update.receipt,
    );
    if (!card) {
      log.warn('Token update for a receipt this enrollment does not hold', { network: update.network });
      return;
    }
    // Notifications come twice or out of order: only a newer one counts.
    if (card.statusTimestamp && Date.parse(update.statusTimestamp) <= Date.parse(card.statusTimestamp)) return;
    card.statusTimestamp = update.statusTimestamp;
    if (update.status === 'DECLINED') {
      if (card.state === 'PUSHED') state.settle(card, 'DECLINED', update.reason ?? 'Tokenisation was declined');
      state.note('tokenisation declined', `${card.maskedPan}${update.reason ? `: ${update.reason}` : ''}`);
      return;
    }
    card.tokenStatus = update.status;
    if (update.tokenUniqueReference) card.tokenUniqueReference ??= update.tokenUniqueReference;
    state.note(`token ${update.status}`, card.maskedPan);
    // A late ACTIVE, delivered after the receipts expired, still means the card was added.
    const awaitingToken = card.state === 'PUSHED' || (card.state === 'CAPTURED' && view.status === 'EXPIRED');
    if (update.status === 'ACTIVE' && awaitingToken) state.settle(card, 'ACTIVE');
    if (update.status === 'DEACTIVATED' && card.state === 'PUSHED') {
      state.settle(card, 'DECLINED', 'The token was deleted');
    }
    if (card.tokenUniqueReference && card.state === 'ACTIVE') {
      await shortSteps().recordToken({
        enrollmentId: state.enrollmentId,
        customerId: state.input.customerId,
        cardRef: card.cardRef,
        network: card.network,
        tokenRequestorId: state.input.tokenRequestorId,
        tokenUniqueReference: card.tokenUniqueReference,
        status: update.status,
        statusTimestamp: update.statusTimestamp,
      });
    }
  });
}
