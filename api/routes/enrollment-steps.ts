/**
 * The consumer's steps in an enrollment, each an update of its workflow: confirm a photographed card,
 * the one-time code (and its resend), a session assertion instead, a fresh push, cancel. A refusal, or
 * the enrollment's end, is answered by its type (api/refusals.ts).
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { oneTimeCodePattern } from '../../domain/enrollment.js';
import {
  cancelEnrollmentUpdate,
  confirmCapturedCardsUpdate,
  requestFreshPushUpdate,
  resendOneTimeCodeUpdate,
  submitOneTimeCodeUpdate,
  submitSessionAssertionUpdate,
} from '../../domain/messages.js';
import type { enrollmentWorkflow } from '../../workflows/enrollment/workflow.js';
import { freeText } from '../free-text.js';
import { problemResponses } from '../problem.js';
import { answerRefusal, refusalOf } from '../refusals.js';
import { bodyProblems, consumerProblems, type ConsumerRouteContext } from './consumer-api.js';
import { enrollmentStatus, EnrollmentParams, ownEnrollment, Redirect } from './enrollment-resource.js';

const StatusOutcome = z.object({ status: enrollmentStatus });

const AuthenticationOutcome = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('WRONG_CODE'), attemptsLeft: z.number().int() }),
  z.object({ outcome: z.literal('REFUSED'), reason: z.string(), status: enrollmentStatus }),
  z.object({
    outcome: z.literal('AUTHENTICATED'),
    status: enrollmentStatus,
    redirect: Redirect.optional(),
    reason: z.string().optional(),
  }),
]);

const ResendOutcome = z.object({
  codeExpiresAt: z.string(),
  resendAvailableAt: z.string(),
  resendsLeft: z.number().int(),
});

const FreshPushOutcome = z.object({
  status: enrollmentStatus,
  redirect: Redirect.optional(),
  reason: z.string().optional(),
});

/** What every step may answer: its own outcome, or a problem (not the caller's, not now, too soon, code not sent). */
function stepResponses<T extends z.ZodType>(outcome: T) {
  return { 200: outcome, ...consumerProblems, ...bodyProblems, ...problemResponses(404, 409) };
}

type EnrollmentHandle = WorkflowHandle<typeof enrollmentWorkflow>;

export function registerEnrollmentStepRoutes({ api, deps }: ConsumerRouteContext): void {
  /** Runs an update on the caller's enrollment; a refusal, or the enrollment's end, is answered by its type. */
  async function update<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    send: (handle: EnrollmentHandle) => Promise<T>,
  ): Promise<T | FastifyReply> {
    const handle = await ownEnrollment(deps, request, reply);
    if (!handle) return reply;
    try {
      return await send(handle);
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      return answerRefusal(reply, refusal);
    }
  }

  api.post(
    '/enrollments/:id/capture-confirmation',
    {
      schema: {
        summary: 'Confirm (or reject) the card number read from the picture',
        tags: ['enrollments'],
        params: EnrollmentParams,
        body: z.strictObject({ confirmed: z.boolean() }),
        response: stepResponses(StatusOutcome),
      },
    },
    async (request, reply) =>
      update(request, reply, (handle) => handle.executeUpdate(confirmCapturedCardsUpdate, { args: [request.body] })),
  );

  api.post(
    '/enrollments/:id/one-time-code',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        summary: 'Submit the one-time code; answers with the redirect once the cards are pushed',
        tags: ['enrollments'],
        params: EnrollmentParams,
        body: z.strictObject({ code: z.string().regex(oneTimeCodePattern, 'must be 6 digits') }),
        response: stepResponses(AuthenticationOutcome),
      },
    },
    async (request, reply) =>
      update(request, reply, (handle) => handle.executeUpdate(submitOneTimeCodeUpdate, { args: [request.body] })),
  );

  api.post(
    '/enrollments/:id/session-assertion',
    {
      schema: {
        summary: "Vouch for the cardholder with the app session's signed assertion instead of a code",
        tags: ['enrollments'],
        params: EnrollmentParams,
        body: z.strictObject({ assertion: z.string().min(10).max(4096) }),
        response: stepResponses(AuthenticationOutcome),
      },
    },
    async (request, reply) =>
      update(request, reply, (handle) => handle.executeUpdate(submitSessionAssertionUpdate, { args: [request.body] })),
  );

  api.post(
    '/enrollments/:id/one-time-code/resend',
    {
      schema: {
        summary: 'Send a new one-time code (after a cooldown)',
        tags: ['enrollments'],
        params: EnrollmentParams,
        response: stepResponses(ResendOutcome),
      },
    },
    async (request, reply) => update(request, reply, (handle) => handle.executeUpdate(resendOneTimeCodeUpdate)),
  );

  api.post(
    '/enrollments/:id/fresh-push',
    {
      schema: {
        summary: 'After the receipts expired, push the cards once more (once)',
        tags: ['enrollments'],
        params: EnrollmentParams,
        response: stepResponses(FreshPushOutcome),
      },
    },
    async (request, reply) => update(request, reply, (handle) => handle.executeUpdate(requestFreshPushUpdate)),
  );

  api.post(
    '/enrollments/:id/cancel',
    {
      schema: {
        summary: 'Cancel the enrollment (until a card has been added); the body may be left out',
        tags: ['enrollments'],
        params: EnrollmentParams,
        // Fastify hands a bodiless request to the schema as null: no body is an empty one.
        body: z.preprocess((body) => body ?? {}, z.strictObject({ reason: freeText(z.string().max(200)).optional() })),
        response: { ...stepResponses(StatusOutcome), ...problemResponses(422) },
      },
    },
    async (request, reply) =>
      update(request, reply, (handle) => handle.executeUpdate(cancelEnrollmentUpdate, { args: [request.body] })),
  );
}
