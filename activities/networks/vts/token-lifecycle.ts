/**
 * Visa's lifecycle call, as public integration code shows it: `POST vtis/v1/tokenRequestors/{trid}/tokens/
 * {tokenReferenceID}/lifecycle` with `{operationType: ACTIVATE | SUSPEND | RESUME | DELETE, operationReason}`, answered
 * with the token's new status; refused in Visa's envelope with its VSE codes (40002 the token is in that
 * state already, 40003 not found, 40011 not active). The reason codes are our reading; both sides use these.
 */
import { z } from 'zod';
import {
  type LifecycleReason,
  type TokenLifecycleRequest,
  type TokenLifecycleResult,
} from '../../../domain/token-lifecycle.js';
import { lifecycleRefusalOf } from '../lifecycle-refusals.js';
import { networkAnswerReader } from '../network-call.js';
import type { VtsClient } from './client.js';

export const vtsLifecycleReasons: Record<LifecycleReason, string> = {
  LOST: 'LOST',
  STOLEN: 'STOLEN',
  FRAUD_SUSPECTED: 'FRAUD',
  CUSTOMER_REQUEST: 'CUSTOMER_CONFIRMED',
  ACCOUNT_CLOSED: 'ACCOUNT_CLOSED',
  FOUND: 'FOUND',
  CARD_REPLACED: 'CARD_REPLACED',
  CARDHOLDER_VERIFIED: 'CARDHOLDER_VERIFIED',
  OTHER: 'OTHER',
};

/** Visa's VSE codes for what the engine reads as a refusal of this token's lifecycle change. */
export const vtsLifecycleRefusals = {
  TOKEN_NOT_FOUND: 'VSE40003',
  STATE_CONFLICT: 'VSE40011',
} as const;

export const VtsTokenLifecycleRequest = z.strictObject({
  operationType: z.enum(['ACTIVATE', 'SUSPEND', 'RESUME', 'DELETE']),
  operationReason: z.enum(Object.values(vtsLifecycleReasons) as [string, ...string[]]),
  operationReasonDescription: z.string().max(256).optional(),
});

export const VtsTokenLifecycleResponse = z.object({
  tokenReferenceID: z.string(),
  status: z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']),
});

const answerOf = networkAnswerReader('VTS');

export async function vtsTokenLifecycle(
  client: VtsClient,
  request: TokenLifecycleRequest,
): Promise<TokenLifecycleResult> {
  const body: z.input<typeof VtsTokenLifecycleRequest> = {
    operationType: request.operation,
    operationReason: vtsLifecycleReasons[request.reason],
    ...(request.comment && { operationReasonDescription: request.comment }),
  };
  let answer: unknown;
  try {
    answer = await client.tokenLifecycle(
      request.tokenRequestorId,
      request.tokenUniqueReference,
      body,
      request.requestId,
    );
  } catch (error) {
    throw lifecycleRefusalOf(error, vtsLifecycleRefusals) ?? error;
  }
  const token = answerOf(VtsTokenLifecycleResponse, answer, 'tokenLifecycle');
  return { tokenUniqueReference: token.tokenReferenceID, status: token.status };
}
