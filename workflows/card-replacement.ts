/**
 * A replaced (reissued) card told to the networks: every token of the old card, a page at a time from the
 * inventory, at most `callsPerSecond` started per second (token-pages.ts, as the lifecycle operations walk
 * theirs); each token is one activity (its network told of the new card, the token moved to it in the
 * inventory, its outcome recorded). The new card travels by its vault reference only. The workflow id is the
 * operation's: started again, it is the same operation. The first run writes the operator's audit entry.
 */
import { continueAsNew, defineQuery, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { CardReplacementActivities } from '../activities/lifecycle/card-replacement-activities.js';
import type { TokenLifecycleActivities } from '../activities/lifecycle/token-lifecycle-activities.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import { lifecycleDetails } from '../domain/operator-summaries.js';
import type { LifecycleProgress } from './token-lifecycle.js';
import { paceThroughPage } from './token-pages.js';

export interface CardReplacementInput {
  operationId: string;
  oldCardRef: string;
  newCardRef: string;
  comment?: string;
  /** Who asked (an operator's id): for the networks' audit and the issuer's. */
  requestedBy: string;
  audit?: { operatorId: string; role: string };
  /** The networks' request quota, as calls started per second (50 by default). */
  callsPerSecond?: number;
  /** Carried from one run to the next (continue-as-new). */
  progress?: LifecycleProgress;
}

export interface CardReplacementReport extends LifecycleProgress {
  operationId: string;
  tokens: number;
}

export const cardReplacementWorkflowId = (operationId: string): string => `card-replacement-${operationId}`;

export const cardReplacementProgressQuery = defineQuery<LifecycleProgress>('cardReplacementProgress');

const pageSize = 200;
const activityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes },
} as const;
const { lifecycleTargets, auditLifecycleOperation } = proxyActivities<TokenLifecycleActivities>(activityOptions);
const { replaceTokenCard } = proxyActivities<CardReplacementActivities>(activityOptions);

export async function cardReplacementWorkflow(input: CardReplacementInput): Promise<CardReplacementReport> {
  const progress: LifecycleProgress = { ...(input.progress ?? { applied: 0, refused: 0 }) };
  setHandler(cardReplacementProgressQuery, () => progress);
  setCurrentDetails(lifecycleDetails({ ...progress, done: false }));
  const { operationId, oldCardRef, newCardRef, comment, requestedBy } = input;
  if (input.audit && !input.progress) {
    await auditLifecycleOperation({
      operatorId: input.audit.operatorId,
      role: input.audit.role,
      action: 'card.replace',
      target: operationId,
      reason: 'CARD_REPLACED',
      details: { oldCardRef, newCardRef, ...(comment && { comment }) },
    });
  }
  const page = await lifecycleTargets({
    selection: { cardRefs: [oldCardRef] },
    ...(progress.after && { after: progress.after }),
    limit: pageSize,
  });
  await paceThroughPage(page, {
    perSecond: Math.max(1, Math.min(input.callsPerSecond ?? 50, 1_000)),
    pageFull: page.length === pageSize,
    progress,
    act: (target) => replaceTokenCard({ operationId, target, newCardRef, ...(comment && { comment }), requestedBy }),
    afterBatch: () => setCurrentDetails(lifecycleDetails({ ...progress, done: false })),
  });
  if (page.length === pageSize) return continueAsNew<typeof cardReplacementWorkflow>({ ...input, progress });
  setCurrentDetails(lifecycleDetails({ ...progress, done: true }));
  return { operationId, tokens: progress.applied + progress.refused, ...progress };
}
