/**
 * What the enrollment routes share: the id in their path, finding the caller's enrollment (another
 * customer's is a 404, like one that does not exist), and the enrollment as the consumer sees it.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isEnrollmentOf } from '../../db/enrollments.js';
import {
  captureMethods,
  enrollmentIdPattern,
  enrollmentStatuses,
  type EnrollmentView,
} from '../../domain/enrollment.js';
import { walletDeviceTypes, wallets } from '../../domain/wallets.js';
import type { enrollmentWorkflow } from '../../workflows/enrollment/workflow.js';
import { cardNetwork, notFound, pushMethod, type ConsumerApiDeps } from './consumer-api.js';

export const EnrollmentParams = z.strictObject({
  id: z.string().regex(enrollmentIdPattern, 'must be an enrollment id as this API returned it'),
});

export const enrollmentStatus = z.enum(enrollmentStatuses);

export const Redirect = z.object({
  pushMethod,
  url: z.string(),
  expiresAt: z.string().meta({ description: 'When the receipts it carries expire (ISO 8601)' }),
});

const EnrollmentLinks = z.object({
  self: z.string(),
  workflow: z.string().optional().meta({ description: "The workflow's page in the Temporal UI, for operators" }),
});

export const ConsumerEnrollmentView = z.object({
  id: z.string(),
  status: enrollmentStatus,
  tokenRequestorId: z.string(),
  pushMethod,
  cards: z.array(
    z.object({
      id: z.string(),
      maskedPan: z.string(),
      network: cardNetwork,
      captureMethod: z.enum(captureMethods),
      state: z.enum(['CAPTURED', 'PUSHED', 'ACTIVE', 'DECLINED', 'EXPIRED', 'CANCELLED', 'FAILED']),
      tokenUniqueReference: z.string().optional(),
      /**
       * The token's status as its network last told it: INACTIVE while it waits for the cardholder's
       * activation (the yellow path, which the app resumes by `tokenUniqueReference`).
       */
      tokenStatus: z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']).optional(),
      reason: z.string().optional(),
    }),
  ),
  authentication: z.object({
    method: z.enum(['otp', 'session-assertion']),
    codeExpiresAt: z.string().optional(),
    attemptsLeft: z.number().int().optional(),
    resendsLeft: z.number().int().optional(),
    resendAvailableAt: z.string().optional(),
  }),
  wallet: z
    .object({ wallet: z.enum(wallets), deviceType: z.enum(walletDeviceTypes) })
    .optional()
    .meta({ description: 'A wallet enrollment: the wallet and the device it provisions' }),
  awaitingCaptureConfirmation: z.literal(true).optional(),
  receiptsExpireAt: z.string().optional(),
  redirect: Redirect.optional(),
  freshPushUsed: z.boolean(),
  reason: z.string().optional(),
  timeline: z.array(z.object({ at: z.string(), event: z.string(), detail: z.string().optional() })),
  links: EnrollmentLinks,
});

export const StartedEnrollment = z.object({ id: z.string(), status: enrollmentStatus, links: EnrollmentLinks });

/** The links of an enrollment: itself, and for operators its workflow's page. */
export function enrollmentLinks(id: string, workflowUiBase?: string): z.infer<typeof EnrollmentLinks> {
  return {
    self: `/v1/enrollments/${id}`,
    ...(workflowUiBase && { workflow: `${workflowUiBase}/${encodeURIComponent(id)}` }),
  };
}

/** The workflow's view as the consumer sees it: no push account ids, receipts or token statuses. */
export function customerFacingView(
  view: EnrollmentView,
  id: string,
  workflowUiBase?: string,
): z.infer<typeof ConsumerEnrollmentView> {
  return {
    id,
    status: view.status,
    tokenRequestorId: view.tokenRequestorId,
    pushMethod: view.pushMethod,
    cards: view.cards.map((card) => ({
      id: card.cardRef,
      maskedPan: card.maskedPan,
      network: card.network,
      captureMethod: card.captureMethod,
      state: card.state,
      ...(card.tokenUniqueReference && { tokenUniqueReference: card.tokenUniqueReference }),
      ...(card.tokenStatus && { tokenStatus: card.tokenStatus }),
      ...(card.reason && { reason: card.reason }),
    })),
    authentication: view.authentication,
    ...(view.wallet && { wallet: view.wallet }),
    ...(view.awaitingCaptureConfirmation && { awaitingCaptureConfirmation: true as const }),
    ...(view.receiptsExpireAt && { receiptsExpireAt: view.receiptsExpireAt }),
    ...(view.redirect && { redirect: view.redirect }),
    freshPushUsed: view.freshPushUsed,
    ...(view.reason && { reason: view.reason }),
    timeline: view.timeline,
    links: enrollmentLinks(id, workflowUiBase),
  };
}

/** The caller's enrollment of the path; undefined once answered with a 404. */
export async function ownEnrollment(
  deps: ConsumerApiDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<WorkflowHandle<typeof enrollmentWorkflow> | undefined> {
  const { id } = request.params as { id: string };
  if (!(await isEnrollmentOf(deps.pool, id, request.customerId))) {
    await notFound(reply, 'enrollment', id);
    return undefined;
  }
  return deps.temporal.workflow.getHandle<typeof enrollmentWorkflow>(id);
}
