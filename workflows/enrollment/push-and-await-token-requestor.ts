/**
 * The push stage: the cards pushed to the network for the token requestor, the consumer sent there with
 * the redirect, and the tokenisation awaited until the receipts expire; then, once, a fresh push if asked.
 */
import { condition, uuid4 } from '@temporalio/workflow';
import { freshPushWindowMs } from '../../domain/enrollment.js';
import { EarlyEnd, orEnd } from './early-end.js';
import type { EnrollmentState } from './enrollment-state.js';
import { pushCards } from './steps.js';

export async function pushUntilTokenised(state: EnrollmentState): Promise<void> {
  const { view } = state;
  const noneAwaitingToken = (): boolean => state.cardsIn('PUSHED').length === 0;
  const someAdded = (): boolean => state.cardsIn('ACTIVE').length > 0;
  for (let attempt = 1; ; attempt += 1) {
    await push(state, attempt);
    const settled = await condition(
      () => noneAwaitingToken() || state.cancelRequested !== undefined,
      state.receiptTimerMs,
    );
    if (noneAwaitingToken()) {
      finishWithTokens(state);
      return;
    }
    state.stopIfCancelled();
    if (settled) continue;
    state.note('receipts expired', `after ${state.receiptTimerMs / 1000} s`);
    if (someAdded()) {
      for (const card of state.cardsIn('PUSHED')) {
        state.settle(card, 'EXPIRED', 'The token requestor did not complete in time');
      }
      finishWithTokens(state);
      return;
    }
    for (const card of state.cardsIn('PUSHED')) state.settle(card, 'CAPTURED');
    view.redirect = undefined;
    state.moveTo('EXPIRED', 'The token requestor did not complete before the receipts expired');
    if (view.freshPushUsed) throw new EarlyEnd('EXPIRED', view.reason!);
    const asked = await condition(
      () => state.freshPushRequested || state.cancelRequested !== undefined || someAdded(),
      freshPushWindowMs,
    );
    if (someAdded()) {
      // A late ACTIVE: the card was added after all.
      for (const card of state.cardsIn('CAPTURED')) {
        state.settle(card, 'EXPIRED', 'The token requestor did not complete in time');
      }
      delete view.reason;
      finishWithTokens(state);
      return;
    }
    state.stopIfCancelled();
    if (!asked) throw new EarlyEnd('EXPIRED', view.reason!);
    view.freshPushUsed = true;
    delete view.reason;
  }
}

/** One push of the cards still captured; each gets a receipt, or is declined. */
async function push(state: EnrollmentState, attempt: number): Promise<void> {
  const { input, view } = state;
  state.metrics.enterStage('push');
  state.moveTo('PUSHING');
  const cards = state.cardsIn('CAPTURED');
  for (const card of cards) card.pushAccountId = uuid4();
  try {
    const outcome = await orEnd('FAILED', () =>
      pushCards({
        enrollmentId: state.enrollmentId,
        customerId: input.customerId,
        attempt,
        network: cards[0]!.network,
        tokenRequestorId: input.tokenRequestorId,
        pushMethod: input.pushMethod,
        authenticationMethod: state.authentication.method,
        cards: cards.map((card) => ({ cardRef: card.cardRef, pushAccountId: card.pushAccountId! })),
        receiptValidityMinutes: state.receiptValidityMinutes,
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
        state.settle(card, 'PUSHED');
      } else {
        state.settle(card, 'DECLINED', result.reason ?? result.reasonCode ?? 'The network declined the card');
      }
    }
    state.note(`cards pushed (attempt ${attempt})`, `${state.cardsIn('PUSHED').length} receipt(s)`);
    state.stopIfCancelled();
    if (state.cardsIn('PUSHED').length === 0) {
      throw new EarlyEnd('DECLINED', state.cardsIn('DECLINED')[0]?.reason ?? 'The network declined the cards');
    }
    view.redirect = outcome.redirect;
    view.receiptsExpireAt = new Date(Date.now() + state.receiptTimerMs).toISOString();
    state.metrics.enterStage('awaiting_token_requestor');
    state.moveTo('AWAITING_TOKEN_REQUESTOR');
  } finally {
    state.pushesSettled += 1;
  }
}

/** Every card has its answer: the enrollment ends by how many were added. */
export function finishWithTokens(state: EnrollmentState): void {
  const active = state.cardsIn('ACTIVE').length;
  if (active === state.view.cards.length) state.moveTo('COMPLETED');
  else if (active > 0) state.moveTo('PARTIALLY_COMPLETED', 'Some cards were not added');
  else throw new EarlyEnd('DECLINED', state.cardsIn('DECLINED')[0]?.reason ?? 'No card was added');
}
