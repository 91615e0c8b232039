/**
 * Mastercard's token customer service calls, as public integration code shows them: `POST
 * /mdes/csapi/v2/token/{activate|suspend|unsuspend|delete}` with `{requestId, tokenUniqueReference, reasonCode,
 * commentText, auditInfo: {userId, userName, organisation}}`, answered with the token's new status, or a
 * business error. The reason codes and the two refusal codes (TOKEN_NOT_FOUND, INVALID_TOKEN_STATUS) are
 * our reading where the public shape does not list them; both sides (the engine, the sandbox) use these.
 */
import { z } from 'zod';
import {
  type LifecycleOperation,
  type LifecycleReason,
  type TokenLifecycleRequest,
  type TokenLifecycleResult,
} from '../../../domain/token-lifecycle.js';
import { lifecycleRefusalOf } from '../lifecycle-refusals.js';
import { tokenReference } from '../message-fields.js';
import { networkAnswerReader } from '../network-call.js';
import type { MdesClient, MdesCustomerServiceOperation } from './client.js';

export const mdesLifecycleCalls: Record<LifecycleOperation, MdesCustomerServiceOperation> = {
  SUSPEND: 'suspend',
  RESUME: 'unsuspend',
  DELETE: 'delete',
  ACTIVATE: 'activate',
};

export const mdesLifecycleReasonCodes: Record<LifecycleReason, string> = {
  LOST: 'LOST',
  STOLEN: 'STOLEN',
  FRAUD_SUSPECTED: 'SUSPECTED_FRAUD',
  CUSTOMER_REQUEST: 'CUSTOMER_REQUEST',
  ACCOUNT_CLOSED: 'ACCOUNT_CLOSED',
  FOUND: 'FOUND',
  CARD_REPLACED: 'CARD_REPLACED',
  CARDHOLDER_VERIFIED: 'CARDHOLDER_VERIFIED',
  OTHER: 'OTHER',
};

/** The refusals that mean the token is not there, or not in a status the call starts from. */
export const mdesLifecycleRefusals = {
  TOKEN_NOT_FOUND: 'TOKEN_NOT_FOUND',
  STATE_CONFLICT: 'INVALID_TOKEN_STATUS',
} as const;

const tokenStatus = z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']);

export const MdesTokenLifecycleRequest = z.strictObject({
  requestId: z.string().min(1).max(64),
  tokenUniqueReference: tokenReference,
  reasonCode: z.enum(Object.values(mdesLifecycleReasonCodes) as [string, ...string[]]),
  commentText: z.string().max(256).optional(),
  auditInfo: z.strictObject({
    userId: z.string().min(1).max(64),
    userName: z.string().min(1).max(100),
    organisation: z.string().min(1).max(100),
  }),
});

export const MdesTokenLifecycleResponse = z.object({
  responseId: z.string(),
  tokens: z
    .array(z.object({ tokenUniqueReference: z.string(), status: tokenStatus, statusTimestamp: z.string() }))
    .length(1),
});

const answerOf = networkAnswerReader('MDES');

export async function mdesTokenLifecycle(
  client: MdesClient,
  request: TokenLifecycleRequest,
): Promise<TokenLifecycleResult> {
  const operation = mdesLifecycleCalls[request.operation];
  const body: z.input<typeof MdesTokenLifecycleRequest> = {
    requestId: request.requestId,
    tokenUniqueReference: request.tokenUniqueReference,
    reasonCode: mdesLifecycleReasonCodes[request.reason],
    ...(request.comment && { commentText: request.comment }),
    auditInfo: { userId: request.requestedBy, userName: request.requestedBy, organisation: 'pushprov issuer' },
  };
  let answer: unknown;
  try {
    answer = await client.customerService(operation, body);
  } catch (error) {
    throw lifecycleRefusalOf(error, mdesLifecycleRefusals) ?? error;
  }
  const [token] = answerOf(MdesTokenLifecycleResponse, answer, operation).tokens;
  return { tokenUniqueReference: token!.tokenUniqueReference, status: token!.status };
}
