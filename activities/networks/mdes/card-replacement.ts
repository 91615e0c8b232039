/**
 * Mastercard's token update for a replaced card (MDES Customer Service, "Funding Account Update"), as public
 * integration code shows it: `POST /mdes/csapi/v2/token/update` with `{TokenUpdateRequest:
 * {EncryptedAccountInformation}, CommentText, AuditInfo: {UserId, UserName, Organization}}`, the new account
 * (`NewAccount: {AccountPan, ExpirationDate: MMYY}`) in Mastercard's field-level encryption for MDES's key.
 * Our reading where the public code does not say: the token named by `TokenUniqueReference` (the public code
 * names the old account's number instead; per token, the engine records each token's outcome and the old
 * number never leaves the vault), a `RequestId` that makes a retry the same request, the answer's shape, and
 * the refusal codes. A certified message replaces `tokenUpdateRequest` and the schemas here, nothing else.
 */
import { z } from 'zod';
import {
  cardReplacementRefusalOf,
  twoDigitExpiry,
  type CardReplacementRefusal,
  type CardReplacementRequest,
  type CardReplacementResult,
} from '../../../domain/card-replacement.js';
import { mdesFieldLevel } from '../../crypto/encryption/profiles.js';
import type { NetworkCredentials } from '../../keys/network-credentials.js';
import { tokenReference } from '../message-fields.js';
import { networkAnswerReader } from '../network-call.js';
import type { MdesClient } from './client.js';
import { MdesFieldLevelPayload } from './schemas.js';
import { mdesLifecycleReasonCodes, mdesLifecycleRefusals } from './token-lifecycle.js';

/** MDES's codes for what the engine reads as a refusal of this token's update. */
export const mdesCardReplacementRefusals: Record<CardReplacementRefusal, readonly string[]> = {
  TOKEN_NOT_FOUND: [mdesLifecycleRefusals.TOKEN_NOT_FOUND],
  STATE_CONFLICT: [mdesLifecycleRefusals.STATE_CONFLICT],
  CARD_REFUSED: ['INVALID_ACCOUNT', 'ACCOUNT_INELIGIBLE'],
};

/** What is encrypted: the new account, its expiry as MMYY. */
export const MdesNewAccountInformation = z.strictObject({
  NewAccount: z.strictObject({
    AccountPan: z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits'),
    ExpirationDate: z.string().regex(/^(0[1-9]|1[0-2])\d\d$/, 'must be MMYY'),
  }),
});

export const MdesTokenUpdateRequest = z.strictObject({
  RequestId: z.string().min(1).max(64),
  TokenUpdateRequest: z.strictObject({
    TokenUniqueReference: tokenReference,
    EncryptedAccountInformation: MdesFieldLevelPayload,
  }),
  ReasonCode: z.literal(mdesLifecycleReasonCodes.CARD_REPLACED),
  CommentText: z.string().max(256).optional(),
  AuditInfo: z.strictObject({
    UserId: z.string().min(1).max(64),
    UserName: z.string().min(1).max(100),
    Organization: z.string().min(1).max(100),
  }),
});

export const MdesTokenUpdateResponse = z.object({
  responseId: z.string(),
  tokens: z
    .array(
      z.object({
        tokenUniqueReference: z.string(),
        status: z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']),
        accountPanSuffix: z.string().regex(/^\d{4}$/),
        statusTimestamp: z.string(),
      }),
    )
    .length(1),
});

const answerOf = networkAnswerReader('MDES');

export async function mdesCardReplacement(
  client: MdesClient,
  credentials: NetworkCredentials,
  request: CardReplacementRequest,
): Promise<CardReplacementResult> {
  const body = await tokenUpdateRequest(credentials, request);
  let answer: unknown;
  try {
    answer = await client.customerService('update', body);
  } catch (error) {
    throw cardReplacementRefusalOf(error, mdesCardReplacementRefusals) ?? error;
  }
  const [token] = answerOf(MdesTokenUpdateResponse, answer, 'update').tokens;
  return {
    tokenUniqueReference: token!.tokenUniqueReference,
    status: token!.status,
    accountPanSuffix: token!.accountPanSuffix,
  };
}

async function tokenUpdateRequest(
  credentials: NetworkCredentials,
  request: CardReplacementRequest,
): Promise<z.input<typeof MdesTokenUpdateRequest>> {
  const expiry = twoDigitExpiry(request.newCard);
  const account: z.input<typeof MdesNewAccountInformation> = {
    NewAccount: { AccountPan: request.newCard.pan, ExpirationDate: `${expiry.month}${expiry.year}` },
  };
  const { certificatePem } = credentials.currentEncryptionKey('mdes');
  return {
    RequestId: request.requestId,
    TokenUpdateRequest: {
      TokenUniqueReference: request.tokenUniqueReference,
      EncryptedAccountInformation: await mdesFieldLevel.encrypt(account, { certificatePem: certificatePem! }),
    },
    ReasonCode: mdesLifecycleReasonCodes.CARD_REPLACED,
    ...(request.comment && { CommentText: request.comment }),
    AuditInfo: { UserId: request.requestedBy, UserName: request.requestedBy, Organization: 'pushprov issuer' },
  };
}
