/** The activity behind the token requestor refresh: which account ranges to ask about, then the cache. */
import { Context } from '@temporalio/activity';
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
      const summary = await deps.cache.refresh(network, await issuerAccountRanges(deps.pool, network));
      recordRefreshed(network);
      return summary;
    },
  };
}

/**
 * When a network's list was last refreshed, for the alert on a schedule that stopped running
 * (deploy/observability/prometheus/pushprov-alerts.yml). Exported with the worker's other metrics.
 */
function recordRefreshed(network: CardNetwork): void {
  let meter;
  try {
    meter = Context.current().metricMeter;
  } catch {
    return; // called outside an activity (a test of the cache): nothing to export to
  }
  // The runtime's exporter adds no unit to a gauge's name, so the name carries it.
  meter
    .createGauge(
      'pushprov_token_requestor_refresh_last_success_timestamp_seconds',
      'int',
      undefined,
      'When the token requestors of each network were last refreshed (Unix time)',
    )
    .set(Math.floor(Date.now() / 1000), { network });
}
