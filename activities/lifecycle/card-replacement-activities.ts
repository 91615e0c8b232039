/**
 * The activity behind a card replacement, per token of the old card: the new card read from the vault (in
 * clear only here, on its way to the network's encryption), the token's network told, the token moved to the
 * new card in the inventory, and its outcome recorded. A network's refusal (no such token, a deleted token,
 * the new card refused) is an outcome, not a failure; a network that does not answer is retried by
 * Temporal, with the same requestId (derived from the operation and the token) so that it applies once.
 */
import type { Pool } from 'pg';
import { moveTokenToCard } from '../../db/card-replacement.js';
import { recordLifecycleOutcome, type LifecycleOutcome, type LifecycleTarget } from '../../db/token-lifecycle.js';
import { CardReplacementRefused } from '../../domain/card-replacement.js';
import type { NetworkCredentials } from '../keys/network-credentials.js';
import type { NetworkRegistry } from '../networks/registry.js';
import type { CardVault } from '../vault/card-vault.js';
import { lifecycleRequestId } from './token-lifecycle-activities.js';

export interface TokenCardReplacementCall {
  operationId: string;
  target: LifecycleTarget;
  /** The replacement card's vault reference: the number itself never enters the workflow. */
  newCardRef: string;
  comment?: string;
  requestedBy: string;
}

export interface CardReplacementActivities {
  replaceTokenCard(call: TokenCardReplacementCall): Promise<LifecycleOutcome>;
}

export function createCardReplacementActivities(deps: {
  pool: Pool;
  networks: NetworkRegistry;
  vault: CardVault;
  credentials: NetworkCredentials;
}): CardReplacementActivities {
  return {
    async replaceTokenCard(call) {
      const { target } = call;
      const where = { network: target.network, tokenUniqueReference: target.tokenUniqueReference };
      let outcome: LifecycleOutcome;
      try {
        const result = await deps.networks.of(target.network).replaceCard(
          {
            tokenUniqueReference: target.tokenUniqueReference,
            tokenRequestorId: target.tokenRequestorId,
            newCard: await deps.vault.reveal(call.newCardRef),
            ...(call.comment && { comment: call.comment }),
            requestedBy: call.requestedBy,
            requestId: lifecycleRequestId(call.operationId, target.tokenUniqueReference),
          },
          deps.credentials,
        );
        await moveTokenToCard(deps.pool, { ...where, cardRef: call.newCardRef });
        outcome = { ...where, outcome: 'APPLIED', status: result.status };
      } catch (error) {
        if (!(error instanceof CardReplacementRefused)) throw error;
        outcome = { ...where, outcome: 'REFUSED', refusal: error.reason, message: error.message };
      }
      await recordLifecycleOutcome(deps.pool, call.operationId, outcome);
      return outcome;
    },
  };
}
