/**
 * One token lifecycle operation (suspend, resume or delete, with a reason): one token, or all tokens of
 * some cards, thousands included. The tokens are read from the inventory a page at a time in a stable
 * order; each token is one activity (its network's call, its new status, its outcome recorded in
 * PostgreSQL), at most `callsPerSecond` started per second so as to stay within the network's request
 * quota. The workflow id is the operation's: started again, it is the same operation (idempotent). It
 * continues as new between pages, carrying its cursor and counts, so its history stays small whatever the
 * number of tokens; a worker that crashes is replaced and the operation resumes where it was.
 */
import { continueAsNew, defineQuery, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { lifecycleDetails } from '../domain/operator-summaries.js';
import type { TokenLifecycleActivities } from '../activities/lifecycle/token-lifecycle-activities.js';
import type { LifecycleCursor, LifecycleSelection } from '../db/token-lifecycle.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import type { LifecycleOperation, LifecycleReason } from '../domain/token-lifecycle.js';
import { paceThroughPage } from './token-pages.js';

export interface TokenLifecycleInput {
  operationId: string;
  operation: LifecycleOperation;
  reason: LifecycleReason;
  comment?: string;
  /** Who asked (an operator's id): for the networks' audit and the issuer's. */
  requestedBy: string;
  selection: LifecycleSelection;
  /** An operator's operation: written to the audit trail by the workflow itself, once. */
  audit?: { operatorId: string; role: string };
  /** The network's request quota, as calls started per second (50 by default). */
  callsPerSecond?: number;
  /** Carried from one run to the next (continue-as-new): where the last page ended, and the counts. */
  progress?: LifecycleProgress;
}

export interface LifecycleProgress {
  after?: LifecycleCursor;
  applied: number;
  refused: number;
}

export interface LifecycleReport extends LifecycleProgress {
  operationId: string;
  operation: LifecycleOperation;
  /** Tokens acted on: applied + refused; each one's outcome is in token_lifecycle_outcomes. */
  tokens: number;
}

/** The workflow id of an operation: its own id, so that the same operation started twice is one. */
export const lifecycleWorkflowId = (operationId: string): string => `token-lifecycle-${operationId}`;

export const lifecycleProgressQuery = defineQuery<LifecycleProgress>('lifecycleProgress');

const pageSize = 200;

const { lifecycleTargets, applyTokenLifecycle, auditLifecycleOperation } = proxyActivities<TokenLifecycleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes },
});

export async function tokenLifecycleWorkflow(input: TokenLifecycleInput): Promise<LifecycleReport> {
  const progress: LifecycleProgress = { ...(input.progress ?? { applied: 0, refused: 0 }) };
  setHandler(lifecycleProgressQuery, () => progress);
  setCurrentDetails(lifecycleDetails({ ...progress, done: false }));
  const perSecond = Math.max(1, Math.min(input.callsPerSecond ?? 50, 1_000));
  const { operationId, operation, reason, comment, requestedBy } = input;
  // The first run writes the operator's action, before anything is done (an audit entry per operation).
  if (input.audit && !input.progress) {
    await auditLifecycleOperation({
      operatorId: input.audit.operatorId,
      role: input.audit.role,
      action: `token-operation.${operation.toLowerCase()}`,
      target: operationId,
      reason,
      details: {
        tokens: input.selection.tokenUniqueReferences?.length ?? 0,
        cards: input.selection.cardRefs?.length ?? 0,
        ...(comment && { comment }),
      },
    });
  }

  const page = await lifecycleTargets({
    selection: input.selection,
    ...(progress.after && { after: progress.after }),
    limit: pageSize,
  });
  await paceThroughPage(page, {
    perSecond,
    pageFull: page.length === pageSize,
    progress,
    act: (target) =>
      applyTokenLifecycle({ operationId, target, operation, reason, ...(comment && { comment }), requestedBy }),
    afterBatch: () => setCurrentDetails(lifecycleDetails({ ...progress, done: false })),
  });
  if (page.length === pageSize) return continueAsNew<typeof tokenLifecycleWorkflow>({ ...input, progress });
  setCurrentDetails(lifecycleDetails({ ...progress, done: true }));
  return { operationId, operation, tokens: progress.applied + progress.refused, ...progress };
}
