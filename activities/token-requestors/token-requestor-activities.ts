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
    // A network asked by account range asks nothing when the issuer has none yet (see its tokenRequestors).
    async refreshTokenRequestors({ network }) {
      return deps.cache.refresh(network, await issuerAccountRanges(deps.pool, network));
    },
  };
}
