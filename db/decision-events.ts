/**
 * The decisioning's webhook events, each published with the write it reports (one transaction): a
 * tokenisation decided (`tokenisation.decided`, once per decision) and a YELLOW token's activation ended
 * (`token.activation_changed`, once per outcome). Ordered with the token's other events.
 */
import type { CardNetwork } from '../domain/enrollment.js';
import { tokenOrderingKey } from '../domain/webhook-events.js';
import type { Queryable } from './queryable.js';
import {
  recordActivationOutcome,
  recordDecision,
  type ActivationOutcome,
  type TokenisationDecision,
} from './tokenisation-decisions.js';
import { inTransaction } from './transaction.js';
import { publishEvent } from './webhook-events.js';

/** Records the decision and publishes it; a decision kept before (the network asking again) is not published again. */
export function recordAndPublishDecision(db: Queryable, decision: TokenisationDecision): Promise<TokenisationDecision> {
  return inTransaction(db, async (client) => {
    const kept = await recordDecision(client, decision);
    await publishEvent(client, {
      type: 'tokenisation.decided',
      orderingKey:
        kept.tokenUniqueReference === undefined
          ? `decision:${kept.decisionId}`
          : tokenOrderingKey(kept.network, kept.tokenUniqueReference),
      dedupeKey: `decision:${kept.decisionId}`,
      data: {
        decisionId: kept.decisionId,
        network: kept.network,
        ...(kept.tokenUniqueReference !== undefined && { tokenUniqueReference: kept.tokenUniqueReference }),
        tokenRequestorId: kept.tokenRequestorId,
        ...(kept.cardRef !== undefined && { cardRef: kept.cardRef }),
        ...(kept.customerId !== undefined && { customerId: kept.customerId }),
        ...(kept.enrollmentId !== undefined && { enrollmentId: kept.enrollmentId }),
        source: kept.source,
        outcome: kept.outcome,
        reasons: kept.reasons,
        failSafe: kept.failSafe,
      },
    });
    return kept;
  });
}

/** Records a YELLOW token's activation outcome with its decision, and publishes it (once per outcome). */
export function recordAndPublishActivation(
  db: Queryable,
  change: { network: CardNetwork; tokenUniqueReference: string; activation: ActivationOutcome },
): Promise<void> {
  return inTransaction(db, async (client) => {
    await recordActivationOutcome(client, change.network, change.tokenUniqueReference, change.activation);
    await publishEvent(client, {
      type: 'token.activation_changed',
      orderingKey: tokenOrderingKey(change.network, change.tokenUniqueReference),
      dedupeKey: `activation:${change.network}:${change.tokenUniqueReference}:${change.activation}`,
      data: { ...change },
    });
  });
}
