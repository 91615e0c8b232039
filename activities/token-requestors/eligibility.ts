/**
 * Whether a token requestor takes these cards from this platform: it must take the cards' ranges (as
 * its network decides) and the push method, and several cards at once only if it says so; asked of the
 * cached list, refreshed from the network on a miss. One rule for the enrollment's eligibility step and
 * the API's check before a wallet enrollment starts.
 */
import type { CachedTokenRequestor } from '../../db/token-requestors.js';
import type { CardNetwork, PushMethod } from '../../domain/enrollment.js';
import type { NetworkRegistry } from '../networks/registry.js';
import type { TokenRequestorCache } from './token-requestor-cache.js';

export type Eligibility =
  | { eligible: true; requestor: CachedTokenRequestor; takesBin: (bin: string) => boolean }
  | { eligible: false; reason: string };

export interface EligibilityQuestion {
  network: CardNetwork;
  tokenRequestorId: string;
  pushMethod: PushMethod;
  /** The cards' BINs. */
  bins: string[];
  /** How many cards go at once. */
  cards: number;
}

export async function eligibilityOf(
  deps: { networks: NetworkRegistry; tokenRequestors: Pick<TokenRequestorCache, 'find' | 'refresh'> },
  ask: EligibilityQuestion,
): Promise<Eligibility> {
  const network = deps.networks.of(ask.network);
  const bins = [...new Set(ask.bins)];
  let requestor = await deps.tokenRequestors.find(ask.network, ask.tokenRequestorId);
  const unknownRanges = (): string[] => bins.filter((bin) => !requestor || !network.takesCard(requestor, bin));
  if (!requestor || unknownRanges().length > 0) {
    await deps.tokenRequestors.refresh(ask.network, requestor ? unknownRanges() : bins);
    requestor = await deps.tokenRequestors.find(ask.network, ask.tokenRequestorId);
  }
  if (!requestor) {
    return {
      eligible: false,
      reason: `Token requestor ${ask.tokenRequestorId} does not take ${network.brand} cards of this issuer`,
    };
  }
  const { name, pushMethods, supportsMultiplePushedCards } = requestor;
  if (!pushMethods.some((method) => method.type === ask.pushMethod)) {
    const offered = pushMethods.map((method) => method.type).join(', ');
    return { eligible: false, reason: `${name} cannot be reached from ${ask.pushMethod} (it offers ${offered})` };
  }
  if (ask.cards > 1 && !supportsMultiplePushedCards) {
    return { eligible: false, reason: `${name} takes one card at a time` };
  }
  const found = requestor;
  return { eligible: true, requestor: found, takesBin: (bin) => network.takesCard(found, bin) };
}
