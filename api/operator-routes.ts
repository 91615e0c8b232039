/**
 * The operator API under /operator/v1, apart from the consumer API: its own tokens (the operator API's
 * audience, with roles), and every action in the append-only audit trail. Token operations (suspend, resume,
 * delete one token or all tokens of some cards) start the durable lifecycle workflow; their progress and
 * per-token outcomes are read back; an admin reads the audit trail. The search (operator-search-routes.ts)
 * and the reconciliations (operator-reconciliation-routes.ts) are registered in the same scope. Refusals:
 * 401 without a valid operator token, 403 naming the role an action needs.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import { queryInteger } from './query-integer.js';
import type { MacKey } from '../activities/keys/key-handles.js';
import type { CardVault } from '../activities/vault/card-vault.js';
import { auditTrail } from '../db/operator-audit.js';
import { lifecycleOutcomesOf } from '../db/token-lifecycle.js';
import { lifecycleSummary } from '../domain/operator-summaries.js';
import { lifecycleOperations, lifecycleReasons } from '../domain/token-lifecycle.js';
import {
  lifecycleProgressQuery,
  lifecycleWorkflowId,
  tokenLifecycleWorkflow,
  type LifecycleReport,
  type TokenLifecycleInput,
} from '../workflows/token-lifecycle.js';
import { CallerNotAuthenticated } from './caller-auth.js';
import { freeText } from './free-text.js';
import { allowed, type Operator, type OperatorAuthenticator } from './operator-auth.js';
import { TokenOperationOutcome } from './operator-schemas.js';
import { registerCardRoutes } from './operator-card-routes.js';
import { registerDecisionRoutes } from './operator-decision-routes.js';
import { registerReconciliationRoutes } from './operator-reconciliation-routes.js';
import { registerOperatorSearchRoutes } from './operator-search-routes.js';
import type { WebhookSecretKeys } from '../activities/webhooks/webhook-secret-seal.js';
import { registerWebhookRoutes } from './operator-webhook-routes.js';
import { problemResponses, sendProblem } from './problem.js';

export interface OperatorApiDeps {
  auth: OperatorAuthenticator;
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  /** The vault's fingerprint keys: a search by card number finds the cards of that number with them. */
  fingerprintKeys: readonly MacKey[];
  /** The keys webhook signing secrets are sealed under at rest (the vault's encryption keys). */
  webhookSecretKeys: WebhookSecretKeys;
  /** The vault a replaced card's new number is stored in (operator-card-routes.ts); without it, only a vaulted card can replace one. */
  vault?: CardVault;
}

declare module 'fastify' {
  interface FastifyRequest {
    operator: Operator;
  }
}

const operatorProblems = problemResponses(400, 401, 403, 429, 500, 503);
const tokenReference = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a token unique reference');

const TokenOperationRequest = z
  .strictObject({
    /** Chosen by the caller to make the request idempotent; a new one otherwise. */
    operationId: z.uuid().optional(),
    operation: z.enum(lifecycleOperations),
    reason: z.enum(lifecycleReasons),
    comment: freeText(z.string().max(256)).optional(),
    tokens: z.array(freeText(tokenReference)).max(1_000).optional(),
    // Bounded so that the workflow's input stays well under Temporal's payload limit (2 MB).
    cardRefs: z.array(z.uuid()).max(10_000).optional(),
    callsPerSecond: z.int().min(1).max(1_000).optional(),
  })
  .refine((body) => (body.tokens?.length ?? 0) + (body.cardRefs?.length ?? 0) > 0, {
    message: 'name tokens or cardRefs to act on',
  });

const OperationView = z.object({
  operationId: z.string(),
  status: z.string(),
  applied: z.number(),
  refused: z.number(),
  outcomes: z.array(TokenOperationOutcome),
});

const AuditView = z.object({
  entries: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      operatorId: z.string(),
      role: z.string(),
      action: z.string(),
      target: z.string(),
      reason: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

export async function registerOperatorRoutes(app: FastifyInstance, deps: OperatorApiDeps): Promise<void> {
  await app.register(
    (scope, _options, done) => {
      scope.addHook('onRequest', async (request, reply) => {
        try {
          request.operator = await deps.auth.operatorOf(request.headers.authorization);
        } catch (error) {
          if (!(error instanceof CallerNotAuthenticated)) throw error;
          return sendProblem(reply, 401, 'Not authenticated', error.message, {
            'www-authenticate': `Bearer error="invalid_token"`,
          });
        }
      });
      const api = scope.withTypeProvider<ZodTypeProvider>();
      registerOperatorSearchRoutes(api, deps);
      registerReconciliationRoutes(api, deps);
      registerWebhookRoutes(api, deps);
      registerDecisionRoutes(api, deps);
      registerCardRoutes(api, deps);

      api.post(
        '/token-operations',
        {
          schema: {
            summary: 'Suspend, resume or delete tokens (one, or all of some cards) with a reason: agent',
            tags: ['operators'],
            body: TokenOperationRequest,
            response: { 200: OperationView, 202: OperationView, ...operatorProblems, ...problemResponses(413, 415) },
          },
        },
        async (request, reply) => {
          if (!allowed(request, reply, 'agent')) return reply;
          const { body, operator } = request;
          const operationId = body.operationId ?? randomUUID();
          const input: TokenLifecycleInput = {
            operationId,
            operation: body.operation,
            reason: body.reason,
            ...(body.comment && { comment: body.comment }),
            requestedBy: operator.id,
            // The workflow writes the audit entry itself, once: the operation and its record go together.
            audit: { operatorId: operator.id, role: operator.role },
            selection: { tokenUniqueReferences: body.tokens ?? [], cardRefs: body.cardRefs ?? [] },
            ...(body.callsPerSecond && { callsPerSecond: body.callsPerSecond }),
          };
          try {
            await deps.temporal.workflow.start(tokenLifecycleWorkflow, {
              taskQueue: deps.taskQueue,
              workflowId: lifecycleWorkflowId(operationId),
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
              args: [input],
              staticSummary: lifecycleSummary({
                ...input,
                tokens: body.tokens?.length ?? 0,
                cards: body.cardRefs?.length ?? 0,
              }),
            });
          } catch (error) {
            // The same operation again: it is the one already started, answered as it stands.
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
            return reply.code(200).send(await operationView(deps, operationId));
          }
          return reply.code(202).send({ operationId, status: 'RUNNING', applied: 0, refused: 0, outcomes: [] });
        },
      );

      api.get(
        '/token-operations/:operationId',
        {
          schema: {
            summary: "A token operation's status, counts and each token's outcome: viewer",
            tags: ['operators'],
            params: z.strictObject({ operationId: z.uuid() }),
            response: { 200: OperationView, ...operatorProblems, ...problemResponses(404) },
          },
        },
        async (request, reply) => {
          if (!allowed(request, reply, 'viewer')) return reply;
          const { operationId } = request.params;
          try {
            return await operationView(deps, operationId);
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
            return sendProblem(reply, 404, 'Not Found', `No token operation ${operationId}`);
          }
        },
      );

      api.get(
        '/audit',
        {
          schema: {
            summary: 'The audit trail of operator actions, newest first: admin',
            tags: ['operators'],
            querystring: z.strictObject({
              limit: queryInteger({ min: 1, max: 500, default: 100 }),
              before: z
                .string()
                .regex(/^\d{1,18}$/)
                .optional(),
            }),
            response: { 200: AuditView, ...operatorProblems },
          },
        },
        async (request, reply) => {
          if (!allowed(request, reply, 'admin')) return reply;
          const { limit, before } = request.query;
          const entries = await auditTrail(deps.pool, { limit, ...(before && { before }) });
          return { entries: entries.map((entry) => ({ ...entry, at: entry.at.toISOString() })) };
        },
      );
      done();
    },
    { prefix: '/operator/v1' },
  );
}

async function operationView(deps: OperatorApiDeps, operationId: string): Promise<z.infer<typeof OperationView>> {
  const handle = deps.temporal.workflow.getHandle(lifecycleWorkflowId(operationId));
  const { status } = await handle.describe();
  const counts =
    status.name === 'COMPLETED'
      ? ((await handle.result()) as LifecycleReport)
      : status.name === 'RUNNING'
        ? await handle.query(lifecycleProgressQuery)
        : { applied: 0, refused: 0 };
  const outcomes = await lifecycleOutcomesOf(deps.pool, operationId);
  return { operationId, status: status.name, applied: counts.applied, refused: counts.refused, outcomes };
}
