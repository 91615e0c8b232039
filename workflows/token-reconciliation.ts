/**
 * The scheduled reconciliation: every token of the inventory asked of its network (its status inquiry) and
 * compared; a drift is recorded as a finding and the inventory repaired to the network's view. Run by a
 * Temporal Schedule (deploy/token-reconciliation-schedule.ts) and by an admin on demand. Like a lifecycle
 * operation, it reads the inventory a page at a time in a stable order, starts at most `callsPerSecond`
 * inquiries per second (the networks' request quota), and continues as new between pages carrying its
 * cursor and counts. The run's id is its workflow id, the same across continue-as-new.
 */
import {
  ActivityFailure,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { TokenReconciliationActivities } from '../activities/reconciliation/token-reconciliation-activities.js';
import type { LifecycleCursor, LifecycleSelection, LifecycleTarget } from '../db/token-lifecycle.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import {
  reconciliationDetails,
  reconciliationWorkflowIdPrefix,
  type ReconciliationCounts,
  type ReconciliationOutcome,
} from '../domain/token-reconciliation.js';

export interface TokenReconciliationInput {
  /** Who started it: `schedule`, or an operator's id. */
  requestedBy: string;
  /** The networks' request quota, as inquiries started per second (20 by default). */
  callsPerSecond?: number;
  /** False: drift is reported and the inventory left as it is (true by default: repaired to the network's view). */
  repair?: boolean;
  /** Only these tokens and these cards' tokens; the whole inventory when absent (the schedule's runs). */
  selection?: LifecycleSelection;
  /** Carried from one run to the next (continue-as-new): where the last page ended, and the counts. */
  progress?: ReconciliationProgress;
}

export interface ReconciliationProgress extends ReconciliationCounts {
  after?: LifecycleCursor;
}

export interface ReconciliationReport extends ReconciliationCounts {
  runId: string;
}

/** An operator's run: its workflow id (the schedule's runs get theirs from the schedule). */
export const reconciliationWorkflowId = (id: string): string => `${reconciliationWorkflowIdPrefix}-${id}`;

export const reconciliationProgressQuery = defineQuery<ReconciliationProgress>('reconciliationProgress');

export const defaultReconciliationCallsPerSecond = 20;
const pageSize = 200;

const { beginReconciliationRun, reconciliationPage, recordReconciliationProgress } =
  proxyActivities<TokenReconciliationActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes },
  });

// A network that keeps failing for one token makes that token an error of the run, not the run's failure.
const { reconcileToken } = proxyActivities<TokenReconciliationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes },
});

export async function tokenReconciliationWorkflow(input: TokenReconciliationInput): Promise<ReconciliationReport> {
  const runId = workflowInfo().workflowId;
  const progress: ReconciliationProgress = {
    ...(input.progress ?? { checked: 0, drifted: 0, repaired: 0, errors: 0 }),
  };
  setHandler(reconciliationProgressQuery, () => progress);
  setCurrentDetails(reconciliationDetails({ ...progress, done: false }));
  const perSecond = Math.max(1, Math.min(input.callsPerSecond ?? defaultReconciliationCallsPerSecond, 1_000));
  if (!input.progress) await beginReconciliationRun({ runId, requestedBy: input.requestedBy });

  const page = await reconciliationPage({
    ...(input.selection && { selection: input.selection }),
    ...(progress.after && { after: progress.after }),
    limit: pageSize,
  });
  for (let start = 0; start < page.length; start += perSecond) {
    // The quota: the next inquiries (this page's, or the next page's) start a second after these, at the earliest.
    const more = start + perSecond < page.length || page.length === pageSize;
    const second = more ? sleep('1 second') : undefined;
    const batch = page.slice(start, start + perSecond);
    const outcomes = await Promise.all(batch.map((token) => reconciled(runId, token, input.repair !== false)));
    for (const outcome of outcomes) count(progress, outcome);
    setCurrentDetails(reconciliationDetails({ ...progress, done: false }));
    const last = batch.at(-1)!;
    progress.after = { network: last.network, tokenUniqueReference: last.tokenUniqueReference };
    if (second) await second;
  }
  const finished = page.length < pageSize;
  const { after: _after, ...counts } = progress;
  await recordReconciliationProgress({ runId, counts, finished });
  if (!finished) return continueAsNew<typeof tokenReconciliationWorkflow>({ ...input, progress });
  setCurrentDetails(reconciliationDetails({ ...progress, done: true }));
  return { runId, ...counts };
}

async function reconciled(runId: string, token: LifecycleTarget, repair: boolean): Promise<ReconciliationOutcome> {
  try {
    return await reconcileToken({ runId, token, repair });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const { network, tokenUniqueReference } = token;
    return { network, tokenUniqueReference, outcome: 'ERROR', message: error.cause?.message ?? error.message };
  }
}

function count(progress: ReconciliationProgress, outcome: ReconciliationOutcome): void {
  progress.checked += 1;
  if (outcome.outcome === 'ERROR') progress.errors += 1;
  if (outcome.outcome !== 'DRIFT') return;
  progress.drifted += 1;
  if (outcome.repaired) progress.repaired += 1;
}
