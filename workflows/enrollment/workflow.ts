/**
 * One enrollment as a durable workflow: capture the cards, check the token requestor takes them,
 * authenticate the cardholder, push the cards to the network for the token requestor, hand the consumer
 * the redirect, and wait for the token requestor's tokenisation until the receipts expire. Card data
 * never enters it: cards are a vault reference and a masked PAN, the one-time code only a keyed hash.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { enrollmentInputProblem, type EnrollmentInput, type EnrollmentResult } from '../../domain/enrollment.js';
import { ErrorType } from '../../domain/errors.js';
import { TokenRequestorIdKey, WalletDeviceTypeKey, WalletKey } from '../../domain/search-attributes.js';
import { authenticateCardholder } from './authentication.js';
import { captureCards } from './capture.js';
import { deliverToWallet } from './deliver-to-wallet.js';
import { EarlyEnd } from './early-end.js';
import { ensureEligible } from './eligibility.js';
import { EnrollmentState } from './enrollment-state.js';
import { registerMessageHandlers } from './message-handlers.js';
import { pushUntilTokenised } from './push-and-await-token-requestor.js';
import { enrollmentOutcomePatch, publishEnrollmentOutcome } from './steps.js';
import { projectView } from './view-projection.js';
import { registerWalletHandler } from './wallet-handler.js';

export async function enrollmentWorkflow(input: EnrollmentInput): Promise<EnrollmentResult> {
  const problem = enrollmentInputProblem(input);
  if (problem) throw ApplicationFailure.nonRetryable(problem, ErrorType.InvalidEnrollmentInput);
  const state = new EnrollmentState(input, workflowInfo().workflowId);
  projectView(state.view);
  registerMessageHandlers(state);
  registerWalletHandler(state);

  upsertSearchAttributes([
    { key: TokenRequestorIdKey, value: input.tokenRequestorId },
    ...(input.wallet
      ? [
          { key: WalletKey, value: input.wallet.wallet },
          { key: WalletDeviceTypeKey, value: input.wallet.deviceType },
        ]
      : []),
  ]);
  state.moveTo('CAPTURED');
  try {
    await captureCards(state);
    await ensureEligible(state);
    await authenticateCardholder(state);
    await (input.wallet ? deliverToWallet(state) : pushUntilTokenised(state));
  } catch (error) {
    if (!(error instanceof EarlyEnd)) throw error;
    state.endEarly(error);
  }
  state.close();
  if (patched(enrollmentOutcomePatch)) {
    const { status, reason, cards } = state.result();
    await publishEnrollmentOutcome({
      enrollmentId: workflowInfo().workflowId,
      customerId: input.customerId,
      tokenRequestorId: input.tokenRequestorId,
      status,
      ...(reason && { reason }),
      cards: cards.map(({ cardRef, state: cardState, tokenUniqueReference }) => ({
        cardRef,
        state: cardState,
        ...(tokenUniqueReference && { tokenUniqueReference }),
      })),
    });
  }
  // An update still under way (a code submitted as the enrollment ended) gets its answer first.
  await condition(allHandlersFinished);
  return state.result();
}
