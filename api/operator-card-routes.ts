/**
 * Operators on cards (agent): a card's standing at the issuer (ACTIVE, BLOCKED, LOST, STOLEN, CLOSED; what
 * the tokenisation decisioning reads), and a card replaced (reissued) so that its tokens follow the new card
 * at their networks. The replacement names a card already vaulted for the same customer, or gives the new
 * number, which is vaulted first and never echoed; the old card is marked REPLACED and the durable workflow
 * (workflows/card-replacement.ts) tells the networks token by token, idempotent by its operation id and
 * audited by the workflow. Refusals: 404 unknown card, 400 naming the field, 409 a card replaced (already, or
 * while its standing was being set: a replacement is final).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { CardVault } from '../activities/vault/card-vault.js';
import {
  cardReplacementOf,
  cardStandingOf,
  recordCardReplacement,
  replacementCardOf,
  type CardStanding,
} from '../db/card-replacement.js';
import { recordAudit } from '../db/operator-audit.js';
import { lifecycleOutcomesOf } from '../db/token-lifecycle.js';
import { setCardStatus } from '../db/vault-cards.js';
import { cardProblem } from '../domain/card-number.js';
import {
  cardReplacementProgressQuery,
  cardReplacementWorkflow,
  cardReplacementWorkflowId,
  type CardReplacementInput,
  type CardReplacementReport,
} from '../workflows/card-replacement.js';
import { freeText } from './free-text.js';
import { allowed, type Operator, type OperatorScope } from './operator-auth.js';
import { TokenOperationOutcome } from './operator-schemas.js';
import { problemResponses, sendProblem } from './problem.js';

/** What the card routes use of the operator API's dependencies. */
export interface CardRouteDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  vault?: CardVault;
}

const settableStatuses = ['ACTIVE', 'BLOCKED', 'LOST', 'STOLEN', 'CLOSED'] as const;
const cardProblems = problemResponses(400, 401, 403, 404, 409, 422, 429, 500, 503);
const CardParams = z.strictObject({ cardRef: freeText(z.string()).pipe(z.uuid({ message: 'must be a card ref' })) });

const CardReplacementRequest = z
  .strictObject({
    /** Chosen by the caller to make the request idempotent; a new one otherwise. */
    operationId: z.uuid().optional(),
    newCardRef: z.uuid({ message: 'must be a card ref' }).optional(),
    newCard: z
      .strictObject({
        number: z.string().regex(/^[0-9 ]{12,23}$/, 'must be 12 to 19 digits'),
        expiryMonth: z.int().min(1).max(12),
        expiryYear: z.int().min(2000).max(2099),
        cardholderName: freeText(z.string().trim().min(1).max(100)).optional(),
      })
      .optional(),
    comment: freeText(z.string().max(256)).optional(),
    callsPerSecond: z.int().min(1).max(1_000).optional(),
  })
  .refine((body) => (body.newCardRef === undefined) !== (body.newCard === undefined), {
    message: 'name the replacement: newCardRef or newCard, one of them',
  });

const ReplacementView = z.object({
  operationId: z.string(),
  status: z.string(),
  oldCardRef: z.string(),
  newCardRef: z.string(),
  applied: z.number(),
  refused: z.number(),
  outcomes: z.array(TokenOperationOutcome),
});

export function registerCardRoutes(api: OperatorScope, deps: CardRouteDeps): void {
  api.put(
    '/cards/:cardRef/status',
    {
      schema: {
        summary: "Set a card's standing at the issuer (the tokenisation decisioning reads it): agent",
        tags: ['operators'],
        params: CardParams,
        body: z.strictObject({ status: z.enum(settableStatuses), reason: freeText(z.string().max(256)).optional() }),
        response: { 200: z.object({ cardRef: z.string(), status: z.string() }), ...cardProblems },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'agent')) return reply;
      const { cardRef } = request.params;
      const card = await knownCard(reply, cardRef, deps);
      if (!card) return reply;
      const { status, reason } = request.body;
      if (!(await setCardStatus(deps.pool, cardRef, status))) {
        // Replaced since it was read (a replacement committed in between): the replacement stands, answered here.
        await knownCard(
          reply,
          cardRef,
          deps,
          `Card ${cardRef} was REPLACED meanwhile: a replaced card keeps that status`,
        );
        return reply;
      }
      await recordAudit(deps.pool, {
        operatorId: request.operator.id,
        role: request.operator.role,
        action: 'card.status',
        target: cardRef,
        ...(reason && { reason }),
        details: { from: card.status, to: status },
      });
      return { cardRef, status };
    },
  );

  api.post(
    '/cards/:cardRef/replacement',
    {
      schema: {
        summary: 'Replace a card: its tokens follow the new card at their networks: agent',
        tags: ['operators'],
        params: CardParams,
        body: CardReplacementRequest,
        response: { 200: ReplacementView, 202: ReplacementView, ...cardProblems, ...problemResponses(413, 415) },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'agent')) return reply;
      const { cardRef } = request.params;
      const { body, operator } = request;
      const operationId = body.operationId ?? randomUUID();
      const earlier = await cardReplacementOf(deps.pool, operationId);
      if (earlier) {
        if (earlier.oldCardRef !== cardRef) {
          return sendProblem(reply, 409, 'Conflict', `Operation ${operationId} replaced another card`);
        }
        // The same operation again: started (again, should the first start have failed) and answered as it stands.
        await startReplacement(deps, operator, { ...earlier, ...(body.comment && { comment: body.comment }) });
        return reply.code(200).send(await replacementView(deps, earlier));
      }
      const card = await knownCard(reply, cardRef, deps);
      if (!card) return reply;
      const newCardRef = await replacementCardRef(reply, card, body, deps);
      if (!newCardRef) return reply;
      const replacement = { operationId, oldCardRef: cardRef, newCardRef, requestedBy: operator.id };
      if (!(await recordCardReplacement(deps.pool, replacement))) {
        return sendProblem(reply, 409, 'Conflict', `Card ${cardRef} is replaced already`);
      }
      await startReplacement(deps, operator, {
        ...replacement,
        ...(body.comment && { comment: body.comment }),
        ...(body.callsPerSecond && { callsPerSecond: body.callsPerSecond }),
      });
      return reply.code(202).send({ ...replacement, status: 'RUNNING', applied: 0, refused: 0, outcomes: [] });
    },
  );
}

/** The card, unless unknown (404) or replaced (409, saying so as `replaced` does), either answered here. */
async function knownCard(
  reply: FastifyReply,
  cardRef: string,
  deps: CardRouteDeps,
  replaced = `Card ${cardRef} is REPLACED already`,
): Promise<CardStanding | undefined> {
  const card = await cardStandingOf(deps.pool, cardRef);
  if (!card) {
    void sendProblem(reply, 404, 'Not Found', `No card ${cardRef}`);
    return undefined;
  }
  if (card.status === 'REPLACED') {
    void sendProblem(reply, 409, 'Conflict', replaced);
    return undefined;
  }
  return card;
}

/**
 * The replacement's vault reference: a card of the same customer on the same network (tokens stay at their
 * network), vaulted first when given by number; undefined when refused (400, answered here).
 */
async function replacementCardRef(
  reply: FastifyReply,
  old: CardStanding,
  body: z.infer<typeof CardReplacementRequest>,
  deps: CardRouteDeps,
): Promise<string | undefined> {
  const refuse = (detail: string): undefined => {
    void sendProblem(reply, 400, 'Invalid body', detail);
    return undefined;
  };
  let newCardRef = body.newCardRef;
  if (body.newCard) {
    if (!deps.vault) return refuse('newCard: this deployment takes newCardRef only (no card vault here)');
    const card = {
      pan: body.newCard.number.replaceAll(' ', ''),
      expiryMonth: body.newCard.expiryMonth,
      expiryYear: body.newCard.expiryYear,
      ...(body.newCard.cardholderName && { cardholderName: body.newCard.cardholderName }),
    };
    const problem = cardProblem(card);
    if (problem) return refuse(`newCard: ${problem}`);
    newCardRef = (await deps.vault.store(old.customerId, card, 'card-on-file')).cardRef;
  }
  const field = body.newCard ? 'newCard' : 'newCardRef';
  if (newCardRef === old.cardRef) return refuse(`${field}: is the card it replaces`);
  const replacement = newCardRef && (await replacementCardOf(deps.pool, old.cardRef, newCardRef));
  if (!replacement) return refuse(`${field}: must be a card of the same customer and network as the one it replaces`);
  return replacement.cardRef;
}

async function startReplacement(
  deps: CardRouteDeps,
  operator: Operator,
  replacement: Omit<CardReplacementInput, 'audit'>,
): Promise<void> {
  const input: CardReplacementInput = {
    ...replacement,
    // The workflow writes the audit entry itself, once: the operation and its record go together.
    audit: { operatorId: operator.id, role: operator.role },
  };
  try {
    await deps.temporal.workflow.start(cardReplacementWorkflow, {
      taskQueue: deps.taskQueue,
      workflowId: cardReplacementWorkflowId(replacement.operationId),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
      staticSummary: `Card replacement: the tokens of card ${replacement.oldCardRef} to card ${replacement.newCardRef}, by ${replacement.requestedBy}`,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

async function replacementView(
  deps: CardRouteDeps,
  replacement: { operationId: string; oldCardRef: string; newCardRef: string },
): Promise<z.infer<typeof ReplacementView>> {
  const handle = deps.temporal.workflow.getHandle(cardReplacementWorkflowId(replacement.operationId));
  const { status } = await handle.describe();
  const counts =
    status.name === 'COMPLETED'
      ? ((await handle.result()) as CardReplacementReport)
      : status.name === 'RUNNING'
        ? await handle.query(cardReplacementProgressQuery)
        : { applied: 0, refused: 0 };
  const outcomes = await lifecycleOutcomesOf(deps.pool, replacement.operationId);
  return { ...replacement, status: status.name, applied: counts.applied, refused: counts.refused, outcomes };
}
