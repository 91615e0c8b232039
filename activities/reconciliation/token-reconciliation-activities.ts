/**
 * The activities behind the scheduled reconciliation: a page of the inventory, and one token asked of its
 * network (its status inquiry) and compared with the inventory; a drift is recorded and the inventory
 * repaired to the network's view (the network is authoritative for a token's status; a token it does not
 * know is DEACTIVATED), unless the inventory took a newer status after the network was asked. A network
 * that does not answer is retried by Temporal; one that refuses the inquiry (a non-retryable failure) is
 * this token's error outcome, not the run's failure.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { LifecycleCursor, LifecycleSelection, LifecycleTarget } from '../../db/token-lifecycle.js';
import { beginRun, inventoryPage, reconcileInventoryToken, updateRun } from '../../db/token-reconciliation.js';
import type { ReconciliationCounts, ReconciliationOutcome } from '../../domain/token-reconciliation.js';
import type { NetworkRegistry } from '../networks/registry.js';

/** Who the networks' audit sees asking. */
export const reconciliationRequester = 'pushprov-reconciliation';

export interface TokenReconciliationActivities {
  beginReconciliationRun(run: { runId: string; requestedBy: string }): Promise<void>;
  reconciliationPage(page: {
    selection?: LifecycleSelection;
    after?: LifecycleCursor;
    limit: number;
  }): Promise<LifecycleTarget[]>;
  /** `repair` false: the drift is reported, the inventory left as it is. */
  reconcileToken(call: { runId: string; token: LifecycleTarget; repair: boolean }): Promise<ReconciliationOutcome>;
  recordReconciliationProgress(run: { runId: string; counts: ReconciliationCounts; finished: boolean }): Promise<void>;
}

export function createTokenReconciliationActivities(deps: {
  pool: Pool;
  networks: NetworkRegistry;
}): TokenReconciliationActivities {
  return {
    beginReconciliationRun: (run) => beginRun(deps.pool, run),
    reconciliationPage: (page) => inventoryPage(deps.pool, page),
    recordReconciliationProgress: (run) => updateRun(deps.pool, run),

    async reconcileToken({ runId, token, repair }) {
      const where = { network: token.network, tokenUniqueReference: token.tokenUniqueReference };
      const inquiredAt = new Date();
      let answer;
      try {
        answer = await deps.networks.of(token.network).tokenStatus({
          tokenUniqueReference: token.tokenUniqueReference,
          tokenRequestorId: token.tokenRequestorId,
          requestedBy: reconciliationRequester,
        });
      } catch (error) {
        if (!(error instanceof ApplicationFailure) || !error.nonRetryable) throw error;
        return { ...where, outcome: 'ERROR', message: error.message };
      }
      const finding = await reconcileInventoryToken(deps.pool, {
        runId,
        ...where,
        networkView: answer,
        inquiredAt,
        repair,
      });
      if (!finding) return { ...where, outcome: 'IN_STEP' };
      return {
        ...where,
        outcome: 'DRIFT',
        inventoryStatus: finding.inventoryStatus,
        networkStatus: finding.networkStatus,
        repaired: finding.repaired,
      };
    },
  };
}
