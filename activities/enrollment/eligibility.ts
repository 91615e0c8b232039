/**
 * checkEligibility: the token requestor must take the cards' ranges (as its network decides) and the
 * consumer's push method, from the cached list, refreshed on a miss.
 */
import { ErrorType } from '../../domain/errors.js';
import type { NetworkRegistry } from '../networks/registry.js';
import type { TokenRequestorCache } from '../token-requestors/token-requestor-cache.js';
import type { EnrollmentActivities } from './activity-types.js';
import { nonRetryable } from './failures.js';

export function createEligibilityActivities(deps: {
  networks: NetworkRegistry;
  tokenRequestors: TokenRequestorCache;
}): Pick<EnrollmentActivities, 'checkEligibility'> {
  return {
    async checkEligibility({ network: networkId, tokenRequestorId, pushMethod, cards }) {
      const network = deps.networks.of(networkId);
      const bins = [...new Set(cards.map((card) => card.bin))];
      let requestor = await deps.tokenRequestors.find(networkId, tokenRequestorId);
      const unknownRanges = (): string[] => bins.filter((bin) => !requestor || !network.takesCard(requestor, bin));
      if (!requestor || unknownRanges().length > 0) {
        await deps.tokenRequestors.refresh(networkId, requestor ? unknownRanges() : bins);
        requestor = await deps.tokenRequestors.find(networkId, tokenRequestorId);
      }
      if (!requestor) {
        throw nonRetryable(
          ErrorType.NotEligible,
          `Token requestor ${tokenRequestorId} does not take ${network.brand} cards of this issuer`,
        );
      }
      if (!requestor.pushMethods.some((method) => method.type === pushMethod)) {
        const offered = requestor.pushMethods.map((method) => method.type).join(', ');
        throw nonRetryable(
          ErrorType.NotEligible,
          `${requestor.name} cannot be reached from ${pushMethod} (it offers ${offered})`,
        );
      }
      if (cards.length > 1 && !requestor.supportsMultiplePushedCards) {
        throw nonRetryable(ErrorType.NotEligible, `${requestor.name} takes one card at a time`);
      }
      return {
        tokenRequestorName: requestor.name,
        ineligible: cards
          .filter((card) => !network.takesCard(requestor, card.bin))
          .map((card) => ({ cardRef: card.cardRef, reason: `${requestor.name} does not take cards of this range` })),
      };
    },
  };
}
