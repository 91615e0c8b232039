/**
 * Visa's PAN update for a replaced card, as public integration code shows it (VTS's PAN lifecycle call,
 * `POST vtis/v1/pan/lifecycle` with `{operationType: UPDATE, operationReasonCode: ACCOUNT_UPDATE,
 * operationReason, encryptedData}`, the new card in `encryptedData` as `replaceCardholderInfo:
 * {primaryAccountNumber, expirationDate: {month, year}}`), `x-pay-token` authenticated, `encryptedData` a
 * shared-secret JWE like `encPaymentInstrument`. Our reading where the public code does not say: the token
 * named by `tokenRequestorID` and `tokenReferenceID` beside `encryptedData` (the public call names the old
 * card by its number in `cardholderInfo`; per token, the engine records each token's outcome and the old
 * number never leaves the vault), the answer's shape and the refusal codes. A certified message replaces
 * `panUpdateRequest` and the schemas here, nothing else.
 */
import { z } from 'zod';
import {
  cardReplacementRefusalOf,
  type CardReplacementRefusal,
  type CardReplacementRequest,
  type CardReplacementResult,
} from '../../../domain/card-replacement.js';
import { vtsSharedSecretJwe } from '../../crypto/encryption/profiles.js';
import type { NetworkCredentials } from '../../keys/network-credentials.js';
import { tokenReference } from '../message-fields.js';
import { networkAnswerReader } from '../network-call.js';
import type { VtsClient } from './client.js';
import { vtsLifecycleRefusals } from './token-lifecycle.js';

/** Visa's codes for what the engine reads as a refusal of this token's update. */
export const vtsCardReplacementRefusals: Record<CardReplacementRefusal, readonly string[]> = {
  TOKEN_NOT_FOUND: [vtsLifecycleRefusals.TOKEN_NOT_FOUND],
  STATE_CONFLICT: [vtsLifecycleRefusals.STATE_CONFLICT],
  CARD_REFUSED: ['cardNotEligible', 'invalidAccountNumber'],
};

/** What is encrypted: the replacement card, its expiry as Visa writes dates (two-digit month, four-digit year). */
export const VtsReplaceCardholderInfo = z.strictObject({
  replaceCardholderInfo: z.strictObject({
    primaryAccountNumber: z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits'),
    expirationDate: z.strictObject({
      month: z.string().regex(/^(0[1-9]|1[0-2])$/, 'must be MM'),
      year: z.string().regex(/^20\d\d$/, 'must be YYYY'),
    }),
  }),
});

export const VtsPanUpdateRequest = z.strictObject({
  operationType: z.literal('UPDATE'),
  operationReasonCode: z.literal('ACCOUNT_UPDATE'),
  operationReason: z.string().max(254).optional(),
  operatorID: z.string().min(1).max(64),
  tokenRequestorID: z.string().regex(/^\d{11}$/),
  tokenReferenceID: tokenReference,
  encryptedData: z.string().min(1),
});

export const VtsPanUpdateResponse = z.object({
  tokenReferenceID: z.string(),
  status: z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']),
  panSuffix: z.string().regex(/^\d{4}$/),
});

const answerOf = networkAnswerReader('VTS');

export async function vtsCardReplacement(
  client: VtsClient,
  credentials: NetworkCredentials,
  request: CardReplacementRequest,
  now: Date = new Date(),
): Promise<CardReplacementResult> {
  const body = await panUpdateRequest(credentials, request, now);
  let answer: unknown;
  try {
    answer = await client.panLifecycle(body, request.requestId);
  } catch (error) {
    throw cardReplacementRefusalOf(error, vtsCardReplacementRefusals) ?? error;
  }
  const token = answerOf(VtsPanUpdateResponse, answer, 'panLifecycle');
  return { tokenUniqueReference: token.tokenReferenceID, status: token.status, accountPanSuffix: token.panSuffix };
}

async function panUpdateRequest(
  credentials: NetworkCredentials,
  request: CardReplacementRequest,
  now: Date,
): Promise<z.input<typeof VtsPanUpdateRequest>> {
  const card: z.input<typeof VtsReplaceCardholderInfo> = {
    replaceCardholderInfo: {
      primaryAccountNumber: request.newCard.pan,
      expirationDate: {
        month: String(request.newCard.expiryMonth).padStart(2, '0'),
        year: String(request.newCard.expiryYear),
      },
    },
  };
  const party = { apiKey: credentials.vts.apiKey, sharedSecret: credentials.vts.sharedSecrets.at(-1)! };
  return {
    operationType: 'UPDATE',
    operationReasonCode: 'ACCOUNT_UPDATE',
    ...(request.comment && { operationReason: request.comment }),
    operatorID: request.requestedBy,
    tokenRequestorID: request.tokenRequestorId,
    tokenReferenceID: request.tokenUniqueReference,
    encryptedData: await vtsSharedSecretJwe.encrypt(card, party, now),
  };
}
