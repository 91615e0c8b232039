/**
 * A YELLOW token's activation, for the cardholder it belongs to: what activating it takes (the methods the
 * issuer offered, masked, the codes sent, the tries left), a code sent (or sent again) by SMS or e-mail, the
 * code presented, or the activation confirmed in the issuer's app (the caller is signed in there: that is
 * the step-up). Each is an update of the token's activation workflow, answered once the network has
 * activated the token; a refusal (a channel not offered, the codes used up, the activation over) by its type.
 */
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { customerDecisionOfToken } from '../../db/tokenisation-decisions.js';
import {
  activationViewQuery,
  activationWorkflowId,
  confirmInIssuerAppUpdate,
  sendActivationCodeUpdate,
  submitActivationCodeUpdate,
  type ActivationView,
} from '../../domain/decisioning/activation.js';
import type { tokenActivationWorkflow } from '../../workflows/token-activation.js';
import { problemResponses, sendProblem } from '../problem.js';
import { answerRefusal, refusalOf } from '../refusals.js';
import { bodyProblems, consumerProblems, notFound, type ConsumerRouteContext } from './consumer-api.js';

const tokenParams = z.strictObject({ tokenUniqueReference: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

const ActivationViewBody = z.object({
  status: z.enum(['AWAITING_CARDHOLDER', 'ACTIVATED', 'EXPIRED', 'LOCKED', 'CANCELLED']),
  methods: z.array(
    z.object({ channel: z.enum(['SMS', 'EMAIL', 'ISSUER_APP']), maskedDestination: z.string().optional() }),
  ),
  codeSentTo: z.enum(['SMS', 'EMAIL']).optional(),
  codesSent: z.int(),
  triesLeft: z.int(),
  expiresAt: z.string(),
});

const ActivationOutcome = z.object({ outcome: z.literal('ACTIVATED'), tokenUniqueReference: z.string() });

const steps = { ...consumerProblems, ...bodyProblems, ...problemResponses(404, 409, 422) };

type ActivationHandle = WorkflowHandle<typeof tokenActivationWorkflow>;

export function registerTokenActivationRoutes({ api, deps }: ConsumerRouteContext): void {
  /** The caller's token's activation, or a 404 (not theirs, not stepped up, or its activation long gone). */
  async function ownActivation(request: FastifyRequest, reply: FastifyReply): Promise<ActivationHandle | undefined> {
    const { tokenUniqueReference } = request.params as z.infer<typeof tokenParams>;
    const decision = await customerDecisionOfToken(deps.pool, request.customerId, tokenUniqueReference);
    if (decision?.outcome !== 'YELLOW') {
      notFound(reply, 'activation for token', tokenUniqueReference);
      return undefined;
    }
    return deps.temporal.workflow.getHandle(activationWorkflowId(decision.network, tokenUniqueReference));
  }

  /** Runs a step of the caller's activation; a refusal, or an activation that has ended, is answered by its type. */
  async function step<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    send: (handle: ActivationHandle) => Promise<T>,
  ): Promise<T | FastifyReply> {
    const handle = await ownActivation(request, reply);
    if (!handle) return reply;
    try {
      return await send(handle);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        return sendProblem(reply, 409, 'Activation over', 'This token is no longer awaiting its activation');
      }
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      return answerRefusal(reply, refusal);
    }
  }

  api.get(
    '/tokens/:tokenUniqueReference/activation',
    {
      schema: {
        summary: 'What activating this token takes: the methods offered, the codes sent, the tries left',
        tags: ['tokens'],
        params: tokenParams,
        response: { 200: ActivationViewBody, ...consumerProblems, ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => step<ActivationView>(request, reply, (handle) => handle.query(activationViewQuery)),
  );

  api.post(
    '/tokens/:tokenUniqueReference/activation/codes',
    {
      schema: {
        summary: 'Send an activation code (or a new one) by SMS or e-mail, to where the issuer knows',
        tags: ['tokens'],
        params: tokenParams,
        body: z.strictObject({ channel: z.enum(['SMS', 'EMAIL']) }),
        response: { 200: ActivationViewBody, ...steps },
      },
    },
    async (request, reply) =>
      step<ActivationView>(request, reply, (handle) =>
        handle.executeUpdate(sendActivationCodeUpdate, { args: [request.body] }),
      ),
  );

  api.post(
    '/tokens/:tokenUniqueReference/activation',
    {
      schema: {
        summary: 'Activate the token: the code received, or confirmed in the issuer app',
        tags: ['tokens'],
        params: tokenParams,
        body: z.union([
          z.strictObject({ code: z.string().max(16) }),
          z.strictObject({ confirmedInIssuerApp: z.literal(true) }),
        ]),
        response: { 200: ActivationOutcome, ...steps },
      },
    },
    async (request, reply) => {
      const { tokenUniqueReference } = request.params;
      const body = request.body;
      const answer = await step(request, reply, (handle) =>
        'code' in body
          ? handle.executeUpdate(submitActivationCodeUpdate, { args: [{ code: body.code }] })
          : handle.executeUpdate(confirmInIssuerAppUpdate, { args: [{}] }),
      );
      if (!('outcome' in answer)) return answer;
      switch (answer.outcome) {
        case 'ACTIVATED':
          return { outcome: 'ACTIVATED' as const, tokenUniqueReference };
        case 'WRONG_CODE':
          return sendProblem(reply, 422, 'Wrong code', `That is not the code; ${answer.triesLeft} tries left`);
        case 'CODE_EXPIRED':
          return sendProblem(reply, 422, 'Code expired', 'That code has expired: ask for a new one');
        case 'LOCKED':
          return sendProblem(reply, 409, 'Too many wrong codes', 'Code activation is closed for this token');
        case 'NOT_ACTIVATED':
          return sendProblem(reply, 409, 'Not activated', `The token is ${answer.status} at its network`);
      }
    },
  );
}
