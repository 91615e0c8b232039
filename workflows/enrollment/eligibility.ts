/** The eligibility stage: which of the cards the token requestor takes; none ends the enrollment as declined. */
import { EarlyEnd, orEnd } from './early-end.js';
import type { EnrollmentState } from './enrollment-state.js';
import { shortSteps } from './steps.js';

export async function ensureEligible(state: EnrollmentState): Promise<void> {
  const { input, view } = state;
  state.metrics.enterStage('eligibility');
  const verdict = await orEnd('FAILED', () =>
    shortSteps().checkEligibility({
      network: view.cards[0]!.network,
      tokenRequestorId: input.tokenRequestorId,
      pushMethod: input.pushMethod,
      cards: view.cards.map((card) => ({ cardRef: card.cardRef, bin: state.bins.get(card.cardRef)! })),
    }),
  );
  state.metrics.tokenRequestorListed(input.tokenRequestorId);
  for (const { cardRef, reason } of verdict.ineligible) {
    const card = view.cards.find((candidate) => candidate.cardRef === cardRef);
    if (card) state.settle(card, 'DECLINED', reason);
  }
  if (state.cardsIn('CAPTURED').length === 0) {
    throw new EarlyEnd('DECLINED', `${verdict.tokenRequestorName} does not take these cards`);
  }
  state.stopIfCancelled();
}
