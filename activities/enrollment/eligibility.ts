/** checkEligibility: the token requestor takes the cards from this platform (activities/token-requestors/eligibility.ts). */
import { ErrorType } from '../../domain/errors.js';
import type { TokenRequestorCache } from '../token-requestors/token-requestor-cache.js';
import type { EnrollmentActivities } from './activity-types.js';
import { nonRetryable } from './failures.js';

export function createEligibilityActivities(deps: {
  tokenRequestors: TokenRequestorCache;
}): Pick<EnrollmentActivities, 'checkEligibility'> {
  return {
    async checkEligibility({ network, tokenRequestorId, pushMethod, cards }) {
      const verdict = await deps.tokenRequestors.eligibility({
        network,
        tokenRequestorId,
        pushMethod,
        bins: cards.map((card) => card.bin),
        cards: cards.length,
      });
      if (!verdict.eligible) throw nonRetryable(ErrorType.NotEligible, verdict.reason);
      const { requestor, takesBin } = verdict;
      return {
        tokenRequestorName: requestor.name,
        ineligible: cards
          .filter((card) => !takesBin(card.bin))
          .map((card) => ({ cardRef: card.cardRef, reason: `${requestor.name} does not take cards of this range` })),
      };
    },
  };
}
