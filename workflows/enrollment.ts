/**
 * One enrollment as a durable workflow. So far it holds the last stage: waiting for the token requestor
 * to confirm tokenisation while the receipts are valid, and expiring when they are not.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import {
  receiptValidityMinutes,
  receiptValidityProblem,
  type EnrollmentInput,
  type EnrollmentResult,
  type EnrollmentStatus,
  type EnrollmentView,
} from '../domain/enrollment.js';
import { ErrorType } from '../domain/errors.js';
import { enrollmentViewQuery, tokenisationConfirmedSignal } from '../domain/messages.js';
import { CardNetworkKey, EnrollmentStatusKey, TokenRequestorIdKey } from '../domain/search-attributes.js';

export async function enrollmentWorkflow(input: EnrollmentInput): Promise<EnrollmentResult> {
  const validityMinutes = input.receiptValidityMinutes ?? receiptValidityMinutes.default;
  const problem = receiptValidityProblem(validityMinutes);
  if (problem) throw ApplicationFailure.nonRetryable(problem, ErrorType.InvalidEnrollmentInput);
  const view: EnrollmentView = { status: 'AWAITING_TOKEN_REQUESTOR', tokenRequestorId: input.tokenRequestorId };

  setHandler(enrollmentViewQuery, () => view);
  setHandler(tokenisationConfirmedSignal, ({ tokenUniqueReference }) => {
    // A confirmation repeated or arriving after the end changes nothing.
    if (view.status === 'AWAITING_TOKEN_REQUESTOR') view.tokenUniqueReference ??= tokenUniqueReference;
  });

  const moveTo = (status: EnrollmentStatus): void => {
    view.status = status;
    upsertSearchAttributes([{ key: EnrollmentStatusKey, value: status }]);
    log.info('Enrollment status changed', { status });
  };

  upsertSearchAttributes([
    { key: CardNetworkKey, value: input.network },
    { key: TokenRequestorIdKey, value: input.tokenRequestorId },
  ]);
  moveTo('AWAITING_TOKEN_REQUESTOR');
  view.receiptsExpireAt = new Date(new Date().getTime() + validityMinutes * 60_000).toISOString();

  const confirmed = await condition(() => view.tokenUniqueReference !== undefined, `${validityMinutes} minutes`);
  moveTo(confirmed ? 'COMPLETED' : 'EXPIRED');

  await condition(allHandlersFinished);
  return { status: view.status, ...(view.tokenUniqueReference && { tokenUniqueReference: view.tokenUniqueReference }) };
}
