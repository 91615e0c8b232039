/**
 * The issuer's tokenisation decisions for operators (viewer): the most recent, of one card or one customer,
 * each with its outcome, reasons, the rules that held, the facts it was made from, whether the fail-safe
 * made it, its latency and a YELLOW's activation. Reading them is an operator action like any other: in the
 * audit trail with its filters.
 */
import type { Pool } from 'pg';
import { z } from 'zod';
import { queryInteger } from './query-integer.js';
import { recordAudit } from '../db/operator-audit.js';
import { recentDecisions } from '../db/tokenisation-decisions.js';
import { freeText } from './free-text.js';
import { allowed, type OperatorScope } from './operator-auth.js';
import { problemResponses } from './problem.js';

const DecisionQuery = z.strictObject({
  cardRef: freeText(z.string())
    .pipe(z.uuid({ message: 'must be a card ref' }))
    .optional(),
  customerId: freeText(z.string())
    .pipe(z.string().regex(/^[A-Za-z0-9._@:-]{1,128}$/, 'must be a customer id'))
    .optional(),
  limit: queryInteger({ min: 1, max: 200, default: 50 }),
});

const DecisionView = z.object({
  decisionId: z.string(),
  network: z.string(),
  tokenUniqueReference: z.string().optional(),
  tokenRequestorId: z.string(),
  cardRef: z.string().optional(),
  customerId: z.string().optional(),
  enrollmentId: z.string().optional(),
  source: z.string(),
  outcome: z.enum(['GREEN', 'YELLOW', 'RED']),
  reasons: z.array(z.string()),
  matchedRules: z.array(z.string()),
  facts: z.record(z.string(), z.unknown()),
  rulesVersion: z.string(),
  failSafe: z.boolean(),
  latencyMs: z.number(),
  activation: z.string().optional(),
  decidedAt: z.string(),
});

export function registerDecisionRoutes(api: OperatorScope, deps: { pool: Pool }): void {
  api.get(
    '/tokenisation-decisions',
    {
      schema: {
        summary: "The issuer's tokenisation decisions, newest first, of a card or a customer: viewer",
        tags: ['operators'],
        querystring: DecisionQuery,
        response: {
          200: z.object({ decisions: z.array(DecisionView) }),
          ...problemResponses(400, 401, 403, 422, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'viewer')) return reply;
      const { cardRef, customerId, limit } = request.query;
      const decisions = await recentDecisions(deps.pool, {
        ...(cardRef && { cardRef }),
        ...(customerId && { customerId }),
        limit,
      });
      await recordAudit(deps.pool, {
        operatorId: request.operator.id,
        role: request.operator.role,
        action: 'tokenisation-decisions.read',
        target: cardRef ?? customerId ?? 'recent',
        details: { ...(cardRef && { cardRef }), ...(customerId && { customerId }), found: decisions.length },
      });
      return {
        decisions: decisions.map(({ decidedAt, ...decision }) => ({
          ...decision,
          decidedAt: (decidedAt ?? new Date()).toISOString(),
        })),
      };
    },
  );
}
