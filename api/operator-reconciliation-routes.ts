/**
 * The operator API's view of the scheduled reconciliation of the token inventory with the networks: its runs
 * (the schedule's and those an admin started) newest first, one run with its findings (each drift: the
 * token, its status in the inventory and at the network, and whether the inventory was repaired), both for
 * a viewer; and a run started now, for an admin, written to the audit trail.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import { queryInteger } from './query-integer.js';
import { recordAudit } from '../db/operator-audit.js';
import { findingsOf, reconciliationRuns, type ReconciliationRun } from '../db/token-reconciliation.js';
import { reconciliationSummary } from '../domain/token-reconciliation.js';
import {
  defaultReconciliationCallsPerSecond,
  reconciliationWorkflowId,
  tokenReconciliationWorkflow,
  type TokenReconciliationInput,
} from '../workflows/token-reconciliation.js';
import { allowed, type OperatorScope } from './operator-auth.js';
import { problemResponses, sendProblem } from './problem.js';

export interface ReconciliationRouteDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
}

const problems = problemResponses(400, 401, 403, 429, 500, 503);
/** A run's id: its workflow id (the schedule's carry their start time). */
const runId = z.string().regex(/^token-reconciliation-[A-Za-z0-9:._-]{1,80}$/, 'must be a reconciliation run id');

const RunView = z.object({
  runId: z.string(),
  requestedBy: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  checked: z.number(),
  drifted: z.number(),
  repaired: z.number(),
  errors: z.number(),
});
const FindingView = z.object({
  network: z.string(),
  tokenUniqueReference: z.string(),
  inventoryStatus: z.string(),
  networkStatus: z.string(),
  repaired: z.boolean(),
  foundAt: z.string(),
});

const runView = ({ startedAt, finishedAt, ...run }: ReconciliationRun): z.infer<typeof RunView> => ({
  ...run,
  startedAt: startedAt.toISOString(),
  ...(finishedAt && { finishedAt: finishedAt.toISOString() }),
});

export function registerReconciliationRoutes(api: OperatorScope, deps: ReconciliationRouteDeps): void {
  api.get(
    '/reconciliations',
    {
      schema: {
        summary: 'Reconciliation runs of the token inventory with the networks, newest first: viewer',
        tags: ['operators'],
        querystring: z.strictObject({
          limit: queryInteger({ min: 1, max: 100, default: 20 }),
          before: runId.optional(),
        }),
        response: { 200: z.object({ runs: z.array(RunView) }), ...problems },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'viewer')) return reply;
      const { limit, before } = request.query;
      return { runs: (await reconciliationRuns(deps.pool, { limit, ...(before && { before }) })).map(runView) };
    },
  );

  api.get(
    '/reconciliations/:runId',
    {
      schema: {
        summary: 'One reconciliation run, with each drift it found and whether it was repaired: viewer',
        tags: ['operators'],
        params: z.strictObject({ runId }),
        response: { 200: RunView.extend({ findings: z.array(FindingView) }), ...problems, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'viewer')) return reply;
      const [run] = await reconciliationRuns(deps.pool, { limit: 1, runId: request.params.runId });
      if (!run) return sendProblem(reply, 404, 'Not Found', `No reconciliation run ${request.params.runId}`);
      const findings = await findingsOf(deps.pool, run.runId);
      return {
        ...runView(run),
        findings: findings.map(({ runId: _run, foundAt, ...finding }) => ({
          ...finding,
          foundAt: foundAt.toISOString(),
        })),
      };
    },
  );

  api.post(
    '/reconciliations',
    {
      schema: {
        summary: 'Reconcile the token inventory with the networks now: admin',
        tags: ['operators'],
        body: z
          .strictObject({
            /** The networks' request quota for this run, as inquiries started per second. */
            callsPerSecond: z.int().min(1).max(1_000).optional(),
            /** False: drift is reported, the inventory left as it is. */
            repair: z.boolean().optional(),
            /** Only these cards' tokens (after an incident); the whole inventory when absent. */
            cardRefs: z.array(z.uuid()).min(1).max(10_000).optional(),
          })
          .optional(),
        response: { 202: z.object({ runId: z.string(), status: z.literal('RUNNING') }), ...problems },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'admin')) return reply;
      const { operator } = request;
      const callsPerSecond = request.body?.callsPerSecond ?? defaultReconciliationCallsPerSecond;
      const workflowId = reconciliationWorkflowId(randomUUID());
      const cardRefs = request.body?.cardRefs;
      const repair = request.body?.repair ?? true;
      const input: TokenReconciliationInput = {
        requestedBy: operator.id,
        callsPerSecond,
        repair,
        ...(cardRefs && { selection: { cardRefs } }),
      };
      // Written before the run starts: a run never goes unaudited.
      await recordAudit(deps.pool, {
        operatorId: operator.id,
        role: operator.role,
        action: 'reconciliation.start',
        target: workflowId,
        details: { callsPerSecond, repair, ...(cardRefs && { cards: cardRefs.length }) },
      });
      await deps.temporal.workflow.start(tokenReconciliationWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [input],
        staticSummary: reconciliationSummary({ requestedBy: operator.id, callsPerSecond, repair }),
      });
      return reply.code(202).send({ runId: workflowId, status: 'RUNNING' as const });
    },
  );
}
