/**
 * Refreshes the cached token requestors and their logos from every network, as MDES asks issuers to do
 * about every two weeks. Run by a Temporal Schedule (deploy/token-requestor-schedule.ts), and on demand.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RefreshSummary } from '../activities/token-requestors/token-requestor-cache.js';
import type { TokenRequestorActivities } from '../activities/token-requestors/token-requestor-activities.js';
import { cardNetworks } from '../domain/enrollment.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';

const { refreshTokenRequestors } = proxyActivities<TokenRequestorActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 6, nonRetryableErrorTypes },
});

export async function refreshTokenRequestorsWorkflow(): Promise<{ refreshed: RefreshSummary[] }> {
  // One network failing does not keep the others' lists from being refreshed.
  const outcomes = await Promise.allSettled(cardNetworks.map((network) => refreshTokenRequestors({ network })));
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return { refreshed: outcomes.map((outcome) => (outcome as PromiseFulfilledResult<RefreshSummary>).value) };
}
