/**
 * Visa's token inquiry, as public integration code shows it: `GET vtis/v1/tokenRequestors/{trid}/tokens/
 * {tokenReferenceID}/details` (x-pay-token over the path and apikey), the token read by its
 * `tokenReferenceID`, `tokenRequestorID` and `tokenStatus` (ACTIVE, SUSPENDED, DEACTIVATED, INACTIVE); a token
 * Visa does not hold refused in its envelope with VSE40003. Our reading: the fields sit in a `tokenInfo`
 * object. The sandbox answers with this same schema.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { NetworkTokenStatus, TokenStatusRequest } from '../../../domain/token-reconciliation.js';
import { networkAnswerReader } from '../network-call.js';
import type { VtsClient } from './client.js';
import { vtsLifecycleRefusals } from './token-lifecycle.js';

/** Visa's code for a token it does not hold (the same as its lifecycle call's). */
export const vtsTokenNotFound = vtsLifecycleRefusals.TOKEN_NOT_FOUND;

export const VtsTokenDetailsResponse = z.object({
  tokenInfo: z.object({
    tokenReferenceID: z.string(),
    tokenRequestorID: z.string(),
    tokenStatus: z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']),
    tokenType: z.string().optional(),
  }),
});

const answerOf = networkAnswerReader('VTS');

export async function vtsTokenStatus(client: VtsClient, request: TokenStatusRequest): Promise<NetworkTokenStatus> {
  let answer: unknown;
  try {
    answer = await client.tokenDetails(request.tokenRequestorId, request.tokenUniqueReference);
  } catch (error) {
    const reasonCode =
      error instanceof ApplicationFailure
        ? (error.details?.[0] as { reasonCode?: string } | undefined)?.reasonCode
        : undefined;
    if (reasonCode === vtsTokenNotFound) return { known: false };
    throw error;
  }
  return { known: true, status: answerOf(VtsTokenDetailsResponse, answer, 'tokenDetails').tokenInfo.tokenStatus };
}
