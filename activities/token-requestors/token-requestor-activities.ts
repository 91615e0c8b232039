/** The activity behind the token requestor refresh: which account ranges to ask about, then the cache. */
import type { Pool } from 'pg';
import { issuerAccountRanges } from '../../db/token-requestors.js';
import type { CardNetwork } from '../../domain/enrollment.js';
import type { RefreshSummary, TokenRequestorCache } from './token-requestor-cache.js';

export interface TokenRequestorActivities {
  refreshTokenRequestors(input: { network: CardNetwork }): Promise<RefreshSummary>;
}

export function createTokenRequestorActivities(deps: {
  pool: Pool;
  cache: TokenRequestorCache;
}): TokenRequestorActivities {
  return {
    async refreshTokenRequestors({ network }) {
      const ranges = await issuerAccountRanges(deps.pool, network);
      if (network === 'MASTERCARD' && ranges.length === 0) return { network, tokenRequestors: 0, logosFetched: 0 };
      return deps.cache.refresh(network, ranges);
    },
  };
}
