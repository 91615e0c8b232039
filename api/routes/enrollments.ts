/**
 * Enrollments: start one (idempotently, by the caller's Idempotency-Key), and follow it. Cards that are
 * not the caller's are refused before anything is written or started.
 */
import { enrollmentSummary } from '../../domain/operator-summaries.js';
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { ownEnrollmentView } from '../../db/enrollment-views.js';
import { recordEnrollment } from '../../db/enrollments.js';
import { activeTraceParent } from '../../observability/enrollment-trace.js';
import { holdsCardNumber } from '../../domain/caller-text.js';
import {
  enrollmentWorkflowId,
  maxCardsPerEnrollment,
  receiptValidityMinutes,
  tokenRequestorIdPattern,
  type EnrollmentInput,
} from '../../domain/enrollment.js';
import { enrollmentViewQuery } from '../../domain/messages.js';
import type { enrollmentWorkflow } from '../../workflows/enrollment/workflow.js';
import { freeText } from '../free-text.js';
import { runIdempotently } from '../idempotency.js';
import { problemResponses, sendProblem } from '../problem.js';
import {
  bodyProblems,
  consumerProblems,
  notFound,
  pushMethod,
  uuid,
  type ConsumerRouteContext,
} from './consumer-api.js';
import {
  ConsumerEnrollmentView,
  customerFacingView,
  enrollmentLinks,
  EnrollmentParams,
  StartedEnrollment,
} from './enrollment-resource.js';

const StartEnrollment = z.strictObject({
  cards: z
    .array(
      z.union([
        z.strictObject({ cardId: uuid }),
        z.strictObject({ captureId: uuid, method: z.enum(['manual', 'ocr']) }),
      ]),
    )
    .min(1)
    .max(maxCardsPerEnrollment),
  tokenRequestorId: z.string().regex(tokenRequestorIdPattern, 'must be 11 digits'),
  pushMethod,
  authentication: z
    .union([
      z.strictObject({ method: z.literal('otp'), channel: z.enum(['sms', 'email']) }),
      z.strictObject({ method: z.literal('session-assertion') }),
    ])
    .optional(),
  callbackUrl: freeText(z.url({ protocol: /^https?$/ }).max(256)).optional(),
  locale: z
    .string()
    .regex(/^[a-z]{2}_[A-Z]{2}$/, 'must look like en_US')
    .optional(),
  receiptValidityMinutes: z.number().int().min(receiptValidityMinutes.min).max(receiptValidityMinutes.max).optional(),
});

/**
 * The request id of a customer's Idempotency-Key: a digest of both, drawn again (deterministically) in
 * the few cases in a thousand where the enrollment id would read as a card number, which logs and
 * problems would show masked.
 */
export function requestIdOf(customerId: string, key: string): string {
  for (let draw = 0; ; draw += 1) {
    const seed = draw === 0 ? `${customerId}\n${key}` : `${customerId}\n${key}\n${draw}`;
    const requestId = createHash('sha256').update(seed).digest('hex').slice(0, 32);
    if (!holdsCardNumber(enrollmentWorkflowId(requestId))) return requestId;
  }
}

export function registerEnrollmentRoutes({ api, deps, metrics }: ConsumerRouteContext): void {
  api.post(
    '/enrollments',
    {
      schema: {
        summary: 'Start an enrollment: push these cards to this token requestor',
        tags: ['enrollments'],
        headers: z.object({ 'idempotency-key': z.string().min(1).max(255) }),
        body: StartEnrollment,
        response: {
          201: StartedEnrollment.meta({ description: 'Started (Idempotent-Replayed: true when replayed)' }),
          ...consumerProblems,
          ...bodyProblems,
          ...problemResponses(404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      for (const card of request.body.cards) {
        const found =
          'cardId' in card
            ? await deps.vault.cardOf(request.customerId, card.cardId)
            : await deps.vault.stagedCapture(request.customerId, card.captureId);
        if (!found)
          return notFound(
            reply,
            'cardId' in card ? 'card' : 'card capture',
            'cardId' in card ? card.cardId : card.captureId,
          );
      }
      const outcome = await runIdempotently(
        deps.pool,
        { customerId: request.customerId, key, body: request.body },
        () => startEnrollment(request.customerId, key, request.body),
      );
      if (outcome.kind === 'mismatch') {
        return sendProblem(
          reply,
          422,
          'Idempotency key reused',
          'This Idempotency-Key was used with another request body',
        );
      }
      if (outcome.kind === 'in-progress') {
        return sendProblem(
          reply,
          409,
          'Request in progress',
          'A request with this Idempotency-Key is still being handled',
          {
            'retry-after': '1',
          },
        );
      }
      if (outcome.kind === 'replayed') reply.header('idempotent-replayed', 'true');
      return reply
        .code(outcome.response.status as 201)
        .send(outcome.response.body as z.infer<typeof StartedEnrollment>);
    },
  );

  api.get(
    '/enrollments/:id',
    {
      schema: {
        summary: 'An enrollment: status, cards, redirect, timeline',
        tags: ['enrollments'],
        params: EnrollmentParams,
        response: { 200: ConsumerEnrollmentView, ...consumerProblems, ...problemResponses(404, 410) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // The view the workflow last recorded: one indexed read, the workflow not woken.
      const own = await ownEnrollmentView(deps.pool, id, request.customerId);
      if (!own) return notFound(reply, 'enrollment', id);
      if (own.view) return customerFacingView(own.view, id, deps.workflowUiBase);
      // None recorded yet (its first workflow task is under way) or ever (started before views were kept).
      const handle = deps.temporal.workflow.getHandle<typeof enrollmentWorkflow>(id);
      try {
        return customerFacingView(await handle.query(enrollmentViewQuery), id, deps.workflowUiBase);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        // Ours, but past Temporal's retention: its record is gone.
        return sendProblem(reply, 410, 'Gone', 'This enrollment ended long ago; its record is no longer kept');
      }
    },
  );

  async function startEnrollment(
    customerId: string,
    key: string,
    body: z.infer<typeof StartEnrollment>,
  ): Promise<{ status: number; body: z.infer<typeof StartedEnrollment> }> {
    // The workflow id comes from the customer and the key: duplicates, even concurrent, meet one execution.
    const requestId = requestIdOf(customerId, key);
    const id = enrollmentWorkflowId(requestId);
    const input: EnrollmentInput = {
      requestId,
      customerId,
      cards: body.cards.map((card) =>
        'cardId' in card
          ? { method: 'card-on-file', cardId: card.cardId }
          : { method: card.method, captureId: card.captureId },
      ),
      tokenRequestorId: body.tokenRequestorId,
      pushMethod: body.pushMethod,
      ...(body.authentication && { authentication: body.authentication }),
      ...(body.callbackUrl && { callbackUrl: body.callbackUrl }),
      ...(body.locale && { locale: body.locale }),
      ...(body.receiptValidityMinutes && { receiptValidityMinutes: body.receiptValidityMinutes }),
      ...(deps.receiptTimerSecondsForDemo && { receiptTimerSecondsForDemo: deps.receiptTimerSecondsForDemo }),
    };
    await deps.temporal.workflow.start<typeof enrollmentWorkflow>('enrollmentWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId: id,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: enrollmentSummary(input),
    });
    // This request's span is the root of the enrollment's trace: later requests for it join it (when traced).
    await recordEnrollment(deps.pool, { enrollmentId: id, customerId, requestId, traceParent: activeTraceParent() });
    // A label from a closed set: the token requestors the networks have listed, every other id one bucket.
    const listed = (await deps.tokenRequestors.list()).some(
      (requestor) => requestor.tokenRequestorId === body.tokenRequestorId,
    );
    metrics?.enrollmentsStarted.inc({ token_requestor: listed ? body.tokenRequestorId : 'unlisted' });
    return { status: 201, body: { id, status: 'CAPTURED', links: enrollmentLinks(id, deps.workflowUiBase) } };
  }
}
