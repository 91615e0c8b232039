/**
 * The activities behind a token lifecycle operation: a page of the inventory's tokens it acts on, and one
 * token's call at its network (suspend, resume, delete), its new status written to the inventory and its
 * outcome recorded. A network's refusal (no such token, a status the operation does not start from) is an
 * outcome, not a failure; a network that does not answer is retried by Temporal. The call's requestId is
 * derived from the operation and the token, so that a retried activity asks the network the same thing,
 * and an operation already applied is answered as done.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { recordAudit, type AuditEntry } from '../../db/operator-audit.js';
import {
  lifecycleTargets,
  recordLifecycleOutcome,
  updateTokenStatus,
  type LifecycleCursor,
  type LifecycleOutcome,
  type LifecycleSelection,
  type LifecycleTarget,
} from '../../db/token-lifecycle.js';
import { TokenLifecycleRefused, type LifecycleOperation, type LifecycleReason } from '../../domain/token-lifecycle.js';
import type { NetworkRegistry } from '../networks/registry.js';

export interface TokenLifecycleCall {
  operationId: string;
  target: LifecycleTarget;
  operation: LifecycleOperation;
  reason: LifecycleReason;
  comment?: string;
  requestedBy: string;
}

export interface TokenLifecycleActivities {
  lifecycleTargets(input: {
    selection: LifecycleSelection;
    after?: LifecycleCursor;
    limit: number;
  }): Promise<LifecycleTarget[]>;
  applyTokenLifecycle(call: TokenLifecycleCall): Promise<LifecycleOutcome>;
  /** The operator's action in the audit trail, once per operation however often the activity runs. */
  auditLifecycleOperation(entry: Omit<AuditEntry, 'idempotencyKey'>): Promise<void>;
}

/** The network call's requestId: the same for every attempt at this operation on this token; 34 characters. */
export const lifecycleRequestId = (operationId: string, tokenUniqueReference: string): string =>
  `LC${createHash('sha256').update(`${operationId}:${tokenUniqueReference}`).digest('hex').slice(0, 32)}`;

export function createTokenLifecycleActivities(deps: {
  pool: Pool;
  networks: NetworkRegistry;
}): TokenLifecycleActivities {
  return {
    auditLifecycleOperation: (entry) => recordAudit(deps.pool, { ...entry, idempotencyKey: `audit:${entry.target}` }),

    lifecycleTargets: ({ selection, after, limit }) =>
      lifecycleTargets(deps.pool, selection, { ...(after && { after }), limit }),

    async applyTokenLifecycle(call) {
      const { target } = call;
      const where = { network: target.network, tokenUniqueReference: target.tokenUniqueReference };
      let outcome: LifecycleOutcome;
      try {
        const result = await deps.networks.of(target.network).tokenLifecycle({
          tokenUniqueReference: target.tokenUniqueReference,
          tokenRequestorId: target.tokenRequestorId,
          operation: call.operation,
          reason: call.reason,
          ...(call.comment && { comment: call.comment }),
          requestedBy: call.requestedBy,
          requestId: lifecycleRequestId(call.operationId, target.tokenUniqueReference),
        });
        outcome = { ...where, outcome: 'APPLIED', status: result.status };
        await updateTokenStatus(deps.pool, {
          ...where,
          status: result.status,
          statusTimestamp: new Date().toISOString(),
        });
      } catch (error) {
        if (!(error instanceof TokenLifecycleRefused)) throw error;
        outcome = { ...where, outcome: 'REFUSED', refusal: error.reason, message: error.message };
      }
      await recordLifecycleOutcome(deps.pool, call.operationId, outcome);
      return outcome;
    },
  };
}
