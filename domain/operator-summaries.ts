/**
 * What operators read of a workflow in the Temporal UI (its user metadata): a one-line summary given at
 * start, and the current details the workflow keeps up to date (markdown). Ids, statuses and masked cards
 * (BIN and last four at most), never card data.
 */
import type { EnrollmentInput, EnrollmentView } from './enrollment.js';
import type { LifecycleOperation, LifecycleReason } from './token-lifecycle.js';

export function enrollmentSummary(input: EnrollmentInput): string {
  const cards = `${input.cards.length} card${input.cards.length === 1 ? '' : 's'}`;
  const by = input.wallet ? `${input.wallet.wallet} (${input.wallet.deviceType})` : input.pushMethod;
  return `Enrollment: ${cards} to token requestor ${input.tokenRequestorId}, ${by}`;
}

export function enrollmentDetails(view: EnrollmentView): string {
  const cards = view.cards.map(
    (card) =>
      `- ${card.maskedPan} (${card.network}): ${card.state}${card.tokenStatus ? `, token ${card.tokenStatus}` : ''}`,
  );
  return [
    `**Status** ${view.status}${view.reason ? ` (${view.reason})` : ''}`,
    `**Token requestor** ${view.tokenRequestorId} (${view.pushMethod})`,
    ...(view.wallet ? [`**Wallet** ${view.wallet.wallet}, ${view.wallet.deviceType}`] : []),
    '**Cards**',
    ...(cards.length > 0 ? cards : ['- none captured yet']),
  ].join('\n');
}

export function lifecycleSummary(request: {
  operation: LifecycleOperation;
  reason: LifecycleReason;
  requestedBy: string;
  tokens: number;
  cards: number;
}): string {
  const what = [
    request.tokens > 0 ? `${request.tokens} token${request.tokens === 1 ? '' : 's'}` : '',
    request.cards > 0 ? `the tokens of ${request.cards} card${request.cards === 1 ? '' : 's'}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return `Token ${request.operation.toLowerCase()} (${request.reason}): ${what}, by ${request.requestedBy}`;
}

export function lifecycleDetails(progress: { applied: number; refused: number; done: boolean }): string {
  return [
    `**Status** ${progress.done ? 'done' : 'under way'}`,
    `**Applied** ${progress.applied}`,
    `**Refused** ${progress.refused}`,
  ].join('\n');
}
