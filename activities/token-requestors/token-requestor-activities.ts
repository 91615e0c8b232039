/** The activity behind the token requestor refresh: which account ranges to ask about, then the cache. */
import type { Pool } from 'pg';
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
      // The issuer's account ranges: the BINs of the cards it holds, and those it asked about before.
      const { rows } = await deps.pool.query<{ bin: string }>(
        `SELECT bin FROM vault_cards WHERE network = $1
         UNION SELECT unnest(enabled_account_ranges) FROM token_requestors WHERE network = $1
         ORDER BY bin`,
        [network],
      );
      if (network === 'MASTERCARD' && rows.length === 0) return { network, tokenRequestors: 0, logosFetched: 0 };
      return deps.cache.refresh(
        network,
        rows.map((row) => row.bin),
      );
    },
  };
}
