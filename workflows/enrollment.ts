/**
 * One enrollment as a durable workflow: capture the cards, authenticate the cardholder, push the cards
 * to the network for the chosen token requestor, hand the consumer the redirect, and wait for the token
 * requestor's tokenisation until the receipts expire. Card data never enters it: cards are a vault
 * reference and a masked PAN, the one-time code only a keyed hash.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { EnrollmentActivities } from '../activities/enrollment-activities.js';
import {
  captureConfirmationWindowMs,
  enrollmentInputProblem,
  freshPushWindowMs,
  oneTimeCodePattern,
  oneTimeCodeRules,
  receiptValidityMinutes,
  terminalStatuses,
  type AuthenticationOutcome,
  type CardState,
  type EnrollmentCard,
  type EnrollmentInput,
  type EnrollmentResult,
  type EnrollmentStatus,
  type EnrollmentView,
  type TokenUpdate,
} from '../domain/enrollment.js';
import { ErrorType, nonRetryableErrorTypes } from '../domain/errors.js';
import {
  cancelEnrollmentUpdate,
  confirmCapturedCardsUpdate,
  enrollmentViewQuery,
  requestFreshPushUpdate,
  resendOneTimeCodeUpdate,
  submitOneTimeCodeUpdate,
  submitSessionAssertionUpdate,
  tokenUpdatedSignal,
} from '../domain/messages.js';
import {
  CaptureMethodKey,
  CardNetworkKey,
  EnrollmentStatusKey,
  TokenRequestorIdKey,
} from '../domain/search-attributes.js';

/** Reads and writes of the issuer's own PostgreSQL. */
const databaseStep: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 5, nonRetryableErrorTypes },
};

/** Calls to a card network: transient failures retried with backoff, declines not at all. */
const networkCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes,
  },
};

/** Sending a code to the cardholder (SMS, e-mail). */
const notification: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 4, nonRetryableErrorTypes },
};

type ShortSteps = Pick<EnrollmentActivities, 'captureCards' | 'checkEligibility' | 'recordToken' | 'sendOneTimeCode'>;

/** Picks the short steps out of an activity proxy (a Proxy: its functions exist only when named). */
function shortSteps(database: EnrollmentActivities, notifications: EnrollmentActivities): ShortSteps {
  return {
    captureCards: (input) => database.captureCards(input),
    checkEligibility: (input) => database.checkEligibility(input),
    recordToken: (input) => database.recordToken(input),
    sendOneTimeCode: (input) => notifications.sendOneTimeCode(input),
  };
}

/** The short steps as activities: each a round trip through the Temporal server (enrollments before the patch below). */
const remoteSteps = shortSteps(
  proxyActivities<EnrollmentActivities>(databaseStep),
  proxyActivities<EnrollmentActivities>(notification),
);
/**
 * The same steps as local activities, run by the worker that runs the workflow task: one round trip
 * through the server less each (see bench/). They are idempotent like any activity (at least once: a
 * vault write keyed by the card, a code derived from its sequence number, an inventory upsert), and
 * usually take milliseconds. Reading a card picture (OCR, seconds) stays a regular activity.
 * While a local activity runs, the workflow task stays open, and queries and updates of the enrollment
 * wait for it: each attempt is cut at 5 s, and retries after the first 2 s of backoff wait on timers,
 * with the task closed (a slow SMS gateway, a token requestor cache refreshed from the network).
 */
const localStepOptions = { startToCloseTimeout: '5 seconds', localRetryThreshold: '2 seconds' } as const;
const localSteps = shortSteps(
  proxyLocalActivities<EnrollmentActivities>({ ...databaseStep, ...localStepOptions }),
  proxyLocalActivities<EnrollmentActivities>({ ...notification, ...localStepOptions }),
);
const localStepsPatch = 'short-steps-as-local-activities';
const resentCodeAwaitedPatch = 'resent-code-awaited';
const { pushCards } = proxyActivities<EnrollmentActivities>(networkCall);
/** Pure crypto with keys held by the worker: local activities, no extra round trip through the server. */
const { checkOneTimeCode, verifySessionAssertion } = proxyLocalActivities<EnrollmentActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes },
});

/** Ends the enrollment early, from anywhere in the flow, with the status and reason it ends with. */
class EnrollmentEnded extends Error {
  constructor(
    readonly status: EnrollmentStatus,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export async function enrollmentWorkflow(input: EnrollmentInput): Promise<EnrollmentResult> {
  const problem = enrollmentInputProblem(input);
  if (problem) throw ApplicationFailure.nonRetryable(problem, ErrorType.InvalidEnrollmentInput);
  const enrollmentId = workflowInfo().workflowId;
  const validityMinutes = input.receiptValidityMinutes ?? receiptValidityMinutes.default;
  const receiptTimerMs = (input.receiptTimerSecondsForDemo ?? validityMinutes * 60) * 1000;
  const authentication = input.authentication ?? { method: 'otp', channel: 'sms' };

  const view: EnrollmentView = {
    status: 'CAPTURED',
    tokenRequestorId: input.tokenRequestorId,
    pushMethod: input.pushMethod,
    cards: [],
    authentication: { method: authentication.method },
    freshPushUsed: false,
    timeline: [],
  };
  let cancelRequested: string | undefined;
  let captureConfirmed: boolean | undefined;
  let authenticated = false;
  let codeHash: string | undefined;
  /** The first code is on its way: it may reach the phone before its sending is recorded here. */
  let codeUnderWay = false;
  let codeSentAt = 0;
  let codesSent = 0;
  let wrongCodes = 0;
  let freshPushRequested = false;
  /** Counts finished pushes, so that the handlers waiting for one know when theirs is done. */
  let pushesSettled = 0;
  /** Set once the outcome is decided: no update may start new work then. */
  let isClosing = false;
  /** Each card's BIN (by card reference), what eligibility is decided on. */
  const bins = new Map<string, string>();

  const now = (): number => Date.now();
  // Replay-safe: the SDK records these only when the workflow runs, not when it replays. Labels come from
  // closed sets: the token requestor's id only once eligibility has found it among the network's.
  let meter = metricMeter.withTags({ token_requestor: 'unlisted' });
  let stageStartedAt = now();
  let stage = 'capture';
  const enterStage = (next: string): void => {
    meter
      .createHistogram('pushprov_enrollment_stage_duration', 'int', 'ms', 'Time spent in each stage')
      .record(now() - stageStartedAt, { stage });
    stage = next;
    stageStartedAt = now();
  };
  metricMeter.createCounter('pushprov_enrollments_started', 'enrollment', 'Enrollments started').add(1);
  const note = (event: string, detail?: string): void => {
    view.timeline.push({ at: new Date().toISOString(), event, ...(detail && { detail }) });
  };
  const moveTo = (status: EnrollmentStatus, reason?: string): void => {
    view.status = status;
    if (reason) view.reason = reason;
    upsertSearchAttributes([{ key: EnrollmentStatusKey, value: status }]);
    note(`status ${status}`, reason);
    log.info('Enrollment status changed', { status });
  };
  const isTerminal = (): boolean => terminalStatuses.includes(view.status);
  const cardsIn = (...states: CardState[]): EnrollmentCard[] =>
    view.cards.filter((card) => states.includes(card.state));
  const settle = (card: EnrollmentCard, state: CardState, reason?: string): void => {
    card.state = state;
    if (reason) card.reason = reason;
  };
  const codeWindowEndsAt = (): number => codeSentAt + oneTimeCodeRules.windowMs;
  const steps = (): ShortSteps => (patched(localStepsPatch) ? localSteps : remoteSteps);
  const awaitingCode = (): boolean => view.status === 'AWAITING_AUTHENTICATION' && codeHash !== undefined;

  async function sendCode(): Promise<void> {
    if (authentication.method !== 'otp') return;
    codesSent += 1;
    // A resent code: the old one stops counting now, and a submission that comes while the new one is
    // sent (the phone can be quicker than the workflow) waits for it instead of meeting the old hash.
    const previousHash = codeHash;
    if (codesSent > 1 && patched(resentCodeAwaitedPatch)) codeHash = undefined;
    try {
      ({ codeHash } = await steps().sendOneTimeCode({
        enrollmentId,
        customerId: input.customerId,
        channel: authentication.channel,
        sequence: codesSent,
      }));
    } catch (error) {
      codeHash = previousHash; // not resent: the code the consumer has still counts
      throw error;
    }
    codeSentAt = now();
    view.authentication = {
      method: 'otp',
      codeExpiresAt: new Date(codeWindowEndsAt()).toISOString(),
      attemptsLeft: oneTimeCodeRules.maxWrongAttempts - wrongCodes,
      resendsLeft: oneTimeCodeRules.maxResends - (codesSent - 1),
      resendAvailableAt: new Date(codeSentAt + oneTimeCodeRules.resendCooldownMs).toISOString(),
    };
    note('one-time code sent', `#${codesSent} by ${authentication.channel}`);
  }

  /** What the consumer waiting on an authentication or a fresh push gets back, once the push settled. */
  async function redirectAfterPush(
    pushesBefore: number,
  ): Promise<{ status: EnrollmentStatus; redirect?: EnrollmentView['redirect']; reason?: string }> {
    await condition(() => pushesSettled > pushesBefore || isClosing);
    return {
      status: view.status,
      ...(view.status === 'AWAITING_TOKEN_REQUESTOR' && view.redirect && { redirect: view.redirect }),
      ...(view.reason && isTerminal() && { reason: view.reason }),
    };
  }

  setHandler(enrollmentViewQuery, () => view);

  setHandler(
    confirmCapturedCardsUpdate,
    ({ confirmed }) => {
      captureConfirmed = confirmed;
      note(confirmed ? 'captured card numbers confirmed' : 'captured card numbers rejected');
      return { status: view.status };
    },
    {
      validator: ({ confirmed }) => {
        if (typeof confirmed !== 'boolean') throw new Error('confirmed must be true or false');
        if (!view.awaitingCaptureConfirmation || captureConfirmed !== undefined) {
          throw new Error('No captured card number is waiting for confirmation');
        }
      },
    },
  );

  setHandler(
    submitOneTimeCodeUpdate,
    async ({ code }): Promise<AuthenticationOutcome> => {
      if (!awaitingCode()) {
        // A quick consumer (the code reached the phone before its sending was recorded here): wait for that.
        await condition(() => awaitingCode() || isTerminal());
        if (isTerminal()) return { outcome: 'REFUSED', reason: 'Authentication is over', status: view.status };
      }
      if (now() >= codeWindowEndsAt()) {
        return { outcome: 'REFUSED', reason: 'The code has expired; ask for a new one', status: view.status };
      }
      const pushesBefore = pushesSettled;
      const right = await checkOneTimeCode({ enrollmentId, code, codeHash: codeHash! });
      if (authenticated || isTerminal())
        return { outcome: 'REFUSED', reason: 'Authentication is over', status: view.status };
      if (!right) {
        wrongCodes += 1;
        const attemptsLeft = oneTimeCodeRules.maxWrongAttempts - wrongCodes;
        view.authentication.attemptsLeft = attemptsLeft;
        note('wrong one-time code', `${attemptsLeft} attempts left`);
        if (attemptsLeft <= 0) {
          return { outcome: 'REFUSED', reason: 'Too many wrong codes', status: 'FAILED' };
        }
        return { outcome: 'WRONG_CODE', attemptsLeft };
      }
      authenticated = true;
      note('cardholder authenticated', 'one-time code');
      return { outcome: 'AUTHENTICATED', ...(await redirectAfterPush(pushesBefore)) };
    },
    {
      validator: ({ code }) => {
        if (typeof code !== 'string' || !oneTimeCodePattern.test(code)) {
          throw new Error(`The code must be ${oneTimeCodeRules.digits} digits`);
        }
        if (authentication.method !== 'otp') throw new Error('This enrollment does not authenticate with a code');
        if (authenticated || isTerminal() || !(awaitingCode() || codeUnderWay)) {
          throw new Error(`No code is awaited (the enrollment is ${view.status})`);
        }
        if (wrongCodes >= oneTimeCodeRules.maxWrongAttempts) throw new Error('Too many wrong codes');
      },
    },
  );

  setHandler(
    submitSessionAssertionUpdate,
    async ({ assertion }): Promise<AuthenticationOutcome> => {
      const pushesBefore = pushesSettled;
      const verdict = await verifySessionAssertion({ enrollmentId, customerId: input.customerId, assertion });
      if (authenticated || isTerminal())
        return { outcome: 'REFUSED', reason: 'Authentication is over', status: view.status };
      if (!verdict.valid) {
        note('session assertion refused', verdict.reason);
        return { outcome: 'REFUSED', reason: verdict.reason ?? 'The assertion does not verify', status: view.status };
      }
      authenticated = true;
      note('cardholder authenticated', 'app session assertion');
      return { outcome: 'AUTHENTICATED', ...(await redirectAfterPush(pushesBefore)) };
    },
    {
      validator: ({ assertion }) => {
        if (typeof assertion !== 'string' || assertion.split('.').length !== 3) {
          throw new Error('The assertion must be a compact JWS');
        }
        if (authentication.method !== 'session-assertion') {
          throw new Error('This enrollment does not authenticate with a session assertion');
        }
        if (view.status !== 'AWAITING_AUTHENTICATION' || authenticated) {
          throw new Error(`No authentication is awaited (the enrollment is ${view.status})`);
        }
      },
    },
  );

  setHandler(
    resendOneTimeCodeUpdate,
    async () => {
      await sendCode();
      return {
        codeExpiresAt: view.authentication.codeExpiresAt!,
        resendAvailableAt: view.authentication.resendAvailableAt!,
        resendsLeft: view.authentication.resendsLeft!,
      };
    },
    {
      validator: () => {
        if (authentication.method !== 'otp') throw new Error('This enrollment does not authenticate with a code');
        if (view.status !== 'AWAITING_AUTHENTICATION' || codeHash === undefined || authenticated) {
          throw new Error(`No code is awaited (the enrollment is ${view.status})`);
        }
        if (codesSent - 1 >= oneTimeCodeRules.maxResends) throw new Error('No more codes can be sent');
        const wait = codeSentAt + oneTimeCodeRules.resendCooldownMs - now();
        if (wait > 0) throw new Error(`A new code can be sent in ${Math.ceil(wait / 1000)} s`);
      },
    },
  );

  setHandler(
    requestFreshPushUpdate,
    async () => {
      const pushesBefore = pushesSettled;
      freshPushRequested = true;
      note('fresh push requested');
      return redirectAfterPush(pushesBefore);
    },
    {
      validator: () => {
        if (view.status !== 'EXPIRED' || isClosing)
          throw new Error(`Only an expired enrollment can be pushed again (it is ${view.status})`);
        if (view.freshPushUsed || freshPushRequested) throw new Error('A fresh push was already used');
      },
    },
  );

  setHandler(
    cancelEnrollmentUpdate,
    async ({ reason }) => {
      cancelRequested = reason ?? 'Cancelled by the consumer';
      note('cancellation requested', reason);
      await condition(isTerminal);
      return { status: view.status };
    },
    {
      validator: ({ reason }) => {
        if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) {
          throw new Error('reason must be a text of at most 200 characters');
        }
        if ((isTerminal() && view.status !== 'EXPIRED') || isClosing) {
          throw new Error(`The enrollment has ended (${view.status})`);
        }
        if (cardsIn('ACTIVE').length > 0)
          throw new Error('A card was already added; the enrollment cannot be cancelled');
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
      if (card.state === 'PUSHED') settle(card, 'DECLINED', update.reason ?? 'Tokenisation was declined');
      note('tokenisation declined', `${card.maskedPan}${update.reason ? `: ${update.reason}` : ''}`);
      return;
    }
    card.tokenStatus = update.status;
    if (update.tokenUniqueReference) card.tokenUniqueReference ??= update.tokenUniqueReference;
    note(`token ${update.status}`, card.maskedPan);
    // A late ACTIVE, delivered after the receipts expired, still means the card was added.
    const awaitingToken = card.state === 'PUSHED' || (card.state === 'CAPTURED' && view.status === 'EXPIRED');
    if (update.status === 'ACTIVE' && awaitingToken) settle(card, 'ACTIVE');
    if (update.status === 'DEACTIVATED' && card.state === 'PUSHED') settle(card, 'DECLINED', 'The token was deleted');
    if (card.tokenUniqueReference && card.state === 'ACTIVE') {
      await steps().recordToken({
        enrollmentId,
        customerId: input.customerId,
        cardRef: card.cardRef,
        network: card.network,
        tokenRequestorId: input.tokenRequestorId,
        tokenUniqueReference: card.tokenUniqueReference,
        status: update.status,
        statusTimestamp: update.statusTimestamp,
      });
    }
  });

  upsertSearchAttributes([{ key: TokenRequestorIdKey, value: input.tokenRequestorId }]);
  moveTo('CAPTURED');
  try {
    await capture();
    await ensureEligible();
    await authenticate();
    await pushUntilTokenised();
  } catch (error) {
    if (error instanceof EnrollmentEnded) {
      for (const card of cardsIn('CAPTURED', 'PUSHED')) {
        settle(card, error.status === 'CANCELLED' ? 'CANCELLED' : error.status === 'EXPIRED' ? 'EXPIRED' : 'FAILED');
      }
      moveTo(error.status, error.reason);
    } else throw error;
  }
  isClosing = true;
  enterStage('ended');
  meter
    .createCounter('pushprov_enrollments_ended', 'enrollment', 'Enrollments ended, by status')
    .add(1, { status: view.status, network: view.cards[0]?.network ?? 'UNKNOWN' });
  await condition(allHandlersFinished);
  return {
    status: view.status,
    cards: view.cards.map(({ cardRef, maskedPan, state, tokenUniqueReference, reason }) => ({
      cardRef,
      maskedPan,
      state,
      ...(tokenUniqueReference && { tokenUniqueReference }),
      ...(reason && { reason }),
    })),
    ...(view.reason && { reason: view.reason }),
  };

  function stopIfCancelled(): void {
    if (cancelRequested !== undefined) throw new EnrollmentEnded('CANCELLED', cancelRequested);
  }

  /** Runs an activity; a failure it cannot recover from ends the enrollment with `status` and its message. */
  async function orEnd<T>(status: EnrollmentStatus, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause = (error as { cause?: unknown }).cause;
      const failure = cause instanceof ApplicationFailure ? cause : undefined;
      const declined = failure?.type === ErrorType.NetworkDeclined || failure?.type === ErrorType.NotEligible;
      throw new EnrollmentEnded(declined ? 'DECLINED' : status, failure?.message ?? 'An internal step failed');
    }
  }

  async function capture(): Promise<void> {
    const captured = await orEnd('FAILED', () =>
      (input.cards.some((card) => card.method === 'ocr') ? remoteSteps : steps()).captureCards({
        enrollmentId,
        customerId: input.customerId,
        cards: input.cards,
      }),
    );
    view.cards = captured.map((card) => ({
      cardRef: card.cardRef,
      maskedPan: card.maskedPan,
      network: card.network,
      captureMethod: card.captureMethod,
      state: 'CAPTURED',
    }));
    const networks = [...new Set(captured.map((card) => card.network))];
    const methods = [...new Set(captured.map((card) => card.captureMethod))];
    upsertSearchAttributes([
      { key: CardNetworkKey, value: networks.join(',') },
      { key: CaptureMethodKey, value: methods.join(',') },
    ]);
    note('cards captured', view.cards.map((card) => card.maskedPan).join(', '));
    if (networks.length > 1) {
      throw new EnrollmentEnded(
        'FAILED',
        'The cards are on different networks: push them in one enrollment per network',
      );
    }
    stopIfCancelled();
    if (captured.some((card) => card.requiresConfirmation)) {
      view.awaitingCaptureConfirmation = true;
      await condition(
        () => captureConfirmed !== undefined || cancelRequested !== undefined,
        captureConfirmationWindowMs,
      );
      view.awaitingCaptureConfirmation = false;
      stopIfCancelled();
      if (captureConfirmed === undefined)
        throw new EnrollmentEnded('CANCELLED', 'The card number was not confirmed in time');
      if (!captureConfirmed)
        throw new EnrollmentEnded('CANCELLED', 'The consumer rejected the card number read from the picture');
    }
    for (const card of captured) bins.set(card.cardRef, card.bin);
  }

  async function ensureEligible(): Promise<void> {
    enterStage('eligibility');
    const verdict = await orEnd('FAILED', () =>
      steps().checkEligibility({
        network: view.cards[0]!.network,
        tokenRequestorId: input.tokenRequestorId,
        pushMethod: input.pushMethod,
        cards: view.cards.map((card) => ({ cardRef: card.cardRef, bin: bins.get(card.cardRef)! })),
      }),
    );
    meter = metricMeter.withTags({ token_requestor: input.tokenRequestorId });
    for (const { cardRef, reason } of verdict.ineligible) {
      const card = view.cards.find((candidate) => candidate.cardRef === cardRef);
      if (card) settle(card, 'DECLINED', reason);
    }
    if (cardsIn('CAPTURED').length === 0) {
      throw new EnrollmentEnded('DECLINED', `${verdict.tokenRequestorName} does not take these cards`);
    }
    stopIfCancelled();
  }

  async function authenticate(): Promise<void> {
    enterStage('authentication');
    if (authentication.method === 'otp') {
      codeUnderWay = true;
      await orEnd('FAILED', sendCode);
      // Only now: a consumer told to enter the code can always submit it.
      moveTo('AWAITING_AUTHENTICATION');
      for (;;) {
        const failed = (): boolean => wrongCodes >= oneTimeCodeRules.maxWrongAttempts;
        const sentAt = codeSentAt;
        const done = await condition(
          () => authenticated || cancelRequested !== undefined || failed() || codeSentAt !== sentAt,
          Math.max(codeWindowEndsAt() - now(), 0),
        );
        stopIfCancelled();
        if (failed()) throw new EnrollmentEnded('FAILED', 'Too many wrong codes');
        if (authenticated) return;
        if (!done) throw new EnrollmentEnded('FAILED', 'The code was not entered in time');
      }
    }
    moveTo('AWAITING_AUTHENTICATION');
    const done = await condition(() => authenticated || cancelRequested !== undefined, oneTimeCodeRules.windowMs);
    stopIfCancelled();
    if (!done) throw new EnrollmentEnded('FAILED', 'The cardholder was not authenticated in time');
  }

  async function pushUntilTokenised(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      await push(attempt);
      const validityMs = receiptTimerMs;
      const settled = await condition(
        () => cardsIn('PUSHED').length === 0 || cancelRequested !== undefined,
        validityMs,
      );
      if (cardsIn('PUSHED').length === 0) {
        finishWithTokens();
        return;
      }
      stopIfCancelled();
      if (settled) continue;
      note('receipts expired', `after ${receiptTimerMs / 1000} s`);
      if (cardsIn('ACTIVE').length > 0) {
        for (const card of cardsIn('PUSHED')) settle(card, 'EXPIRED', 'The token requestor did not complete in time');
        finishWithTokens();
        return;
      }
      for (const card of cardsIn('PUSHED')) settle(card, 'CAPTURED');
      view.redirect = undefined;
      moveTo('EXPIRED', 'The token requestor did not complete before the receipts expired');
      if (view.freshPushUsed) throw new EnrollmentEnded('EXPIRED', view.reason!);
      const asked = await condition(
        () => freshPushRequested || cancelRequested !== undefined || cardsIn('ACTIVE').length > 0,
        freshPushWindowMs,
      );
      if (cardsIn('ACTIVE').length > 0) {
        for (const card of cardsIn('CAPTURED')) settle(card, 'EXPIRED', 'The token requestor did not complete in time');
        delete view.reason;
        finishWithTokens();
        return;
      }
      stopIfCancelled();
      if (!asked) throw new EnrollmentEnded('EXPIRED', view.reason!);
      view.freshPushUsed = true;
      delete view.reason;
    }
  }

  async function push(attempt: number): Promise<void> {
    enterStage('push');
    moveTo('PUSHING');
    const cards = cardsIn('CAPTURED');
    for (const card of cards) card.pushAccountId = uuid4();
    try {
      const outcome = await orEnd('FAILED', () =>
        pushCards({
          enrollmentId,
          customerId: input.customerId,
          attempt,
          network: cards[0]!.network,
          tokenRequestorId: input.tokenRequestorId,
          pushMethod: input.pushMethod,
          authenticationMethod: authentication.method,
          cards: cards.map((card) => ({ cardRef: card.cardRef, pushAccountId: card.pushAccountId! })),
          receiptValidityMinutes: validityMinutes,
          ...(input.callbackUrl && { callbackUrl: input.callbackUrl }),
          ...(input.locale && { locale: input.locale }),
        }),
      );
      for (const result of outcome.cards) {
        const card = cards.find((candidate) => candidate.pushAccountId === result.pushAccountId);
        if (!card) continue;
        if (result.receipt) {
          card.receipt = result.receipt;
          delete card.statusTimestamp;
          settle(card, 'PUSHED');
        } else {
          settle(card, 'DECLINED', result.reason ?? result.reasonCode ?? 'The network declined the card');
        }
      }
      note(`cards pushed (attempt ${attempt})`, `${cardsIn('PUSHED').length} receipt(s)`);
      stopIfCancelled();
      if (cardsIn('PUSHED').length === 0) {
        throw new EnrollmentEnded('DECLINED', cardsIn('DECLINED')[0]?.reason ?? 'The network declined the cards');
      }
      view.redirect = outcome.redirect;
      view.receiptsExpireAt = new Date(now() + receiptTimerMs).toISOString();
      enterStage('awaiting_token_requestor');
      moveTo('AWAITING_TOKEN_REQUESTOR');
    } finally {
      pushesSettled += 1;
    }
  }

  function finishWithTokens(): void {
    const active = cardsIn('ACTIVE').length;
    if (active === view.cards.length) moveTo('COMPLETED');
    else if (active > 0) moveTo('PARTIALLY_COMPLETED', 'Some cards were not added');
    else throw new EnrollmentEnded('DECLINED', cardsIn('DECLINED')[0]?.reason ?? 'No card was added');
  }
}
