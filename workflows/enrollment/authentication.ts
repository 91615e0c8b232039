/** The authentication stage: a one-time code sent and entered, or an app session's assertion, in time. */
import { condition, patched } from '@temporalio/workflow';
import { oneTimeCodeRules } from '../../domain/enrollment.js';
import { EarlyEnd, orEnd } from './early-end.js';
import type { EnrollmentState } from './enrollment-state.js';
import { shortSteps } from './steps.js';

const resentCodeAwaitedPatch = 'resent-code-awaited';

export async function authenticateCardholder(state: EnrollmentState): Promise<void> {
  const { code } = state;
  state.metrics.enterStage('authentication');
  if (state.authentication.method === 'otp') {
    code.underWay = true;
    await orEnd('FAILED', () => sendOneTimeCode(state));
    // Only now: a consumer told to enter the code can always submit it.
    state.moveTo('AWAITING_AUTHENTICATION');
    for (;;) {
      const failed = (): boolean => code.wrong >= oneTimeCodeRules.maxWrongAttempts;
      const sentAt = code.sentAt;
      const done = await condition(
        () => state.authenticated || state.cancelRequested !== undefined || failed() || code.sentAt !== sentAt,
        Math.max(state.codeWindowEndsAt() - Date.now(), 0),
      );
      state.stopIfCancelled();
      if (failed()) throw new EarlyEnd('FAILED', 'Too many wrong codes');
      if (state.authenticated) return;
      if (!done) throw new EarlyEnd('FAILED', 'The code was not entered in time');
    }
  }
  state.moveTo('AWAITING_AUTHENTICATION');
  const done = await condition(
    () => state.authenticated || state.cancelRequested !== undefined || state.authenticationRefused !== undefined,
    oneTimeCodeRules.windowMs,
  );
  state.stopIfCancelled();
  if (state.authenticationRefused !== undefined) throw new EarlyEnd('FAILED', state.authenticationRefused);
  if (!done) throw new EarlyEnd('FAILED', 'The cardholder was not authenticated in time');
}

/** Sends the first code, or a new one: the cardholder's code window and limits start again from it. */
export async function sendOneTimeCode(state: EnrollmentState): Promise<void> {
  const { authentication, code, view } = state;
  if (authentication.method !== 'otp') return;
  code.sent += 1;
  // A resent code: the old one stops counting now, and a submission that comes while the new one is
  // sent (the phone can be quicker than the workflow) waits for it instead of meeting the old hash.
  const previousHash = code.hash;
  if (code.sent > 1 && patched(resentCodeAwaitedPatch)) code.hash = undefined;
  try {
    ({ codeHash: code.hash } = await shortSteps().sendOneTimeCode({
      enrollmentId: state.enrollmentId,
      customerId: state.input.customerId,
      channel: authentication.channel,
      sequence: code.sent,
    }));
  } catch (error) {
    code.hash = previousHash; // not resent: the code the consumer has still counts
    throw error;
  }
  code.sentAt = Date.now();
  view.authentication = {
    method: 'otp',
    codeExpiresAt: new Date(state.codeWindowEndsAt()).toISOString(),
    attemptsLeft: oneTimeCodeRules.maxWrongAttempts - code.wrong,
    resendsLeft: oneTimeCodeRules.maxResends - (code.sent - 1),
    resendAvailableAt: new Date(code.sentAt + oneTimeCodeRules.resendCooldownMs).toISOString(),
  };
  state.note('one-time code sent', `#${code.sent} by ${authentication.channel}`);
}
