/**
 * Where the networks' callbacks meet a YELLOW token's activation: the decision starts it (once per token:
 * its workflow id), a later notification of the token tells it (activated or deleted by the network itself),
 * and a token the cardholder asked for in the wallet (no receipt, no enrollment) enters the inventory by the
 * decision that let it be made, which names its card and customer.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ReportedToken } from '../activities/networks/callback-descriptor.js';
import type { Queryable } from '../db/queryable.js';
import { decisionOfToken } from '../db/tokenisation-decisions.js';
import { recordTokenStatus } from '../db/token-inventory.js';
import {
  activationTokenUpdatedSignal,
  activationWorkflowId,
  type TokenActivationInput,
} from '../domain/decisioning/activation.js';
import type { CardNetwork, TokenStatus } from '../domain/enrollment.js';
import { tokenActivationWorkflow } from '../workflows/token-activation.js';

export async function startTokenActivation(
  temporal: Client,
  taskQueue: string,
  input: TokenActivationInput,
): Promise<void> {
  try {
    await temporal.workflow.start(tokenActivationWorkflow, {
      taskQueue,
      workflowId: activationWorkflowId(input.network, input.tokenUniqueReference),
      // One activation per token, ever: a network asking again after it ended starts nothing.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
      staticSummary: `Token activation (step-up) for token requestor ${input.tokenRequestorId}`,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** Tells the token's activation, if it has one under way, what the network says of the token. */
export async function tellActivation(
  temporal: Client,
  network: CardNetwork,
  tokenUniqueReference: string,
  status: TokenStatus,
): Promise<void> {
  if (status !== 'ACTIVE' && status !== 'DEACTIVATED') return;
  try {
    await temporal.workflow
      .getHandle(activationWorkflowId(network, tokenUniqueReference))
      .signal(activationTokenUpdatedSignal, { status });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

/** A reported token with no receipt behind it: into the inventory when a decision let it be made. */
export async function recordDecidedToken(db: Queryable, network: CardNetwork, token: ReportedToken): Promise<void> {
  if (token.tokenUniqueReference === undefined) return;
  const decision = await decisionOfToken(db, network, token.tokenUniqueReference);
  if (!decision || decision.outcome === 'RED' || !decision.cardRef || !decision.customerId) return;
  await recordTokenStatus(db, {
    network,
    tokenUniqueReference: token.tokenUniqueReference,
    customerId: decision.customerId,
    cardRef: decision.cardRef,
    tokenRequestorId: decision.tokenRequestorId,
    ...(decision.enrollmentId !== undefined && { enrollmentId: decision.enrollmentId }),
    status: token.status,
    statusTimestamp: token.statusTimestamp,
    ...(token.reason !== undefined && { reason: token.reason }),
  });
}
