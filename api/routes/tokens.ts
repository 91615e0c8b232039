/**
 * The customer's tokens: where each of their cards lives, and the token's status as the network last said;
 * and the customer's own lifecycle requests on one of them (suspend it, resume it, delete it), run as the
 * same durable lifecycle workflow the operators start, answered once the network has.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import { tokensOf } from '../../db/token-inventory.js';
import { lifecycleOutcomesOf } from '../../db/token-lifecycle.js';
import { lifecycleOperations } from '../../domain/token-lifecycle.js';
import {
  lifecycleWorkflowId,
  tokenLifecycleWorkflow,
  type TokenLifecycleInput,
} from '../../workflows/token-lifecycle.js';
import { lifecycleSummary } from '../../domain/operator-summaries.js';
import { problemResponses, sendProblem } from '../problem.js';
import { cardNetwork, consumerProblems, notFound, type ConsumerRouteContext } from './consumer-api.js';

/** The reasons a cardholder gives for their own token (the others are the issuer's). */
const customerReasons = ['CUSTOMER_REQUEST', 'LOST', 'STOLEN', 'FOUND'] as const;

const TokenList = z.object({
  tokens: z.array(
    z.object({
      tokenUniqueReference: z.string(),
      network: cardNetwork,
      tokenRequestorId: z.string(),
      tokenRequestorName: z.string().optional(),
      status: z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']),
      statusTimestamp: z.string(),
      card: z.object({ id: z.string(), maskedPan: z.string() }),
    }),
  ),
});

export function registerTokenRoutes({ api, deps }: ConsumerRouteContext): void {
  api.get(
    '/tokens',
    {
      schema: {
        summary: "The customer's tokens: where each card lives",
        tags: ['tokens'],
        response: { 200: TokenList, ...consumerProblems },
      },
    },
    async (request) => ({
      tokens: (await tokensOf(deps.pool, request.customerId)).map((token) => ({
        tokenUniqueReference: token.tokenUniqueReference,
        network: token.network,
        tokenRequestorId: token.tokenRequestorId,
        ...(token.tokenRequestorName && { tokenRequestorName: token.tokenRequestorName }),
        status: token.status,
        statusTimestamp: token.statusTimestamp.toISOString(),
        card: { id: token.card.cardRef, maskedPan: token.card.maskedPan },
      })),
    }),
  );

  api.post(
    '/tokens/:tokenUniqueReference/lifecycle',
    {
      schema: {
        summary: 'Suspend, resume or delete one of my tokens; answered once the network has',
        tags: ['tokens'],
        params: z.strictObject({ tokenUniqueReference: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
        // Activation is the step-up's (token-activation routes), never the customer's word alone.
        body: z.strictObject({
          operation: z.enum(lifecycleOperations).exclude(['ACTIVATE']),
          reason: z.enum(customerReasons),
        }),
        response: {
          200: z.object({ tokenUniqueReference: z.string(), status: z.string() }),
          ...consumerProblems,
          ...problemResponses(404, 409, 413, 415, 503),
        },
      },
    },
    async (request, reply) => {
      const { tokenUniqueReference } = request.params;
      const held = (await tokensOf(deps.pool, request.customerId)).find(
        (token) => token.tokenUniqueReference === tokenUniqueReference,
      );
      if (!held) return notFound(reply, 'token', tokenUniqueReference);
      const operationId = randomUUID();
      const input: TokenLifecycleInput = {
        operationId,
        operation: request.body.operation,
        reason: request.body.reason,
        requestedBy: `customer:${request.customerId}`,
        selection: { tokenUniqueReferences: [tokenUniqueReference] },
      };
      try {
        await deps.temporal.workflow.execute(tokenLifecycleWorkflow, {
          taskQueue: deps.taskQueue,
          workflowId: lifecycleWorkflowId(operationId),
          workflowRunTimeout: '1 minute',
          args: [input],
          staticSummary: lifecycleSummary({ ...input, tokens: 1, cards: 0 }),
        });
      } catch (error) {
        // The network did not answer within the minute (the operation's calls kept being retried): try later.
        if (!(error instanceof WorkflowFailedError)) throw error;
        return sendProblem(reply, 503, 'Service Unavailable', "The token's network did not answer; try again", {
          'retry-after': '30',
        });
      }
      // The operation's one selection is this token: its outcome is this token's.
      const [outcome] = await lifecycleOutcomesOf(deps.pool, operationId);
      if (!outcome) return notFound(reply, 'token', tokenUniqueReference);
      if (outcome.outcome === 'REFUSED') {
        return outcome.refusal === 'TOKEN_NOT_FOUND'
          ? notFound(reply, 'token', tokenUniqueReference)
          : sendProblem(reply, 409, 'Token state conflict', outcome.message);
      }
      return { tokenUniqueReference, status: outcome.status };
    },
  );
}
