/**
 * Mastercard's token search (Customer Service API), as public integration code shows it: `POST
 * /mdes/csapi/v2/search` with `{SearchRequest: {TokenUniqueReference, ExcludeDeletedIndicator, AuditInfo:
 * {UserId, UserName, Organization, Phone}}}`, answered `{SearchResponse: {Accounts: {Account: [{Tokens: {Token:
 * [{TokenUniqueReference, TokenRequestorId, CurrentStatusCode, CurrentStatusDescription}]}}]}}}`. Our reading
 * where the public code does not say: the status codes (A active, S suspended, D deactivated, U not yet
 * activated, read as INACTIVE) and that a token MDES does not hold is an answer with no account. The sandbox
 * answers with these same schemas.
 */
import { z } from 'zod';
import type { TokenStatus } from '../../../domain/enrollment.js';
import type { NetworkTokenStatus, TokenStatusRequest } from '../../../domain/token-reconciliation.js';
import { tokenReference } from '../message-fields.js';
import { networkAnswerReader } from '../network-call.js';
import type { MdesClient } from './client.js';

/** MDES's one-letter token status codes and the engine's statuses. */
export const mdesStatusCodes: Record<TokenStatus, string> = {
  ACTIVE: 'A',
  SUSPENDED: 'S',
  DEACTIVATED: 'D',
  INACTIVE: 'U',
};

const statusOfCode = new Map(Object.entries(mdesStatusCodes).map(([status, code]) => [code, status as TokenStatus]));

export const MdesSearchRequest = z.strictObject({
  SearchRequest: z.strictObject({
    TokenUniqueReference: tokenReference,
    ExcludeDeletedIndicator: z.enum(['true', 'false']).optional(),
    AuditInfo: z.strictObject({
      UserId: z.string().min(1).max(64),
      UserName: z.string().min(1).max(100),
      Organization: z.string().min(1).max(100),
      Phone: z.string().max(20).optional(),
    }),
  }),
});

export const MdesSearchToken = z.object({
  TokenUniqueReference: z.string(),
  TokenRequestorId: z.string().optional(),
  CurrentStatusCode: z.enum(Object.values(mdesStatusCodes) as [string, ...string[]]),
  CurrentStatusDescription: z.string().optional(),
});

export const MdesSearchResponse = z.object({
  SearchResponse: z.object({
    Accounts: z.object({
      Account: z.array(z.object({ Tokens: z.object({ Token: z.array(MdesSearchToken) }) })),
    }),
  }),
});

const answerOf = networkAnswerReader('MDES');

export async function mdesTokenStatus(client: MdesClient, request: TokenStatusRequest): Promise<NetworkTokenStatus> {
  const body: z.input<typeof MdesSearchRequest> = {
    SearchRequest: {
      TokenUniqueReference: request.tokenUniqueReference,
      // A deleted token is still the network's answer: DEACTIVATED, not "no such token".
      ExcludeDeletedIndicator: 'false',
      AuditInfo: { UserId: request.requestedBy, UserName: request.requestedBy, Organization: 'pushprov issuer' },
    },
  };
  const answer = answerOf(MdesSearchResponse, await client.customerService('search', body), 'search');
  const token = answer.SearchResponse.Accounts.Account.flatMap((account) => account.Tokens.Token).find(
    (candidate) => candidate.TokenUniqueReference === request.tokenUniqueReference,
  );
  if (!token) return { known: false };
  return { known: true, status: statusOfCode.get(token.CurrentStatusCode)! };
}
