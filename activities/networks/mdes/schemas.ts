/**
 * MDES's messages as zod schemas, one definition for the issuer's client, its callback routes and the
 * sandbox: the calls MDES makes to the issuer during tokenisation (authorizeService, notifyTokenUpdated),
 * the issuer's answers, and MDES's two error envelopes (errors[] for a message, the gateway's for a call).
 */
import { z } from 'zod';
import {
  issuerDecision,
  networkCode,
  networkIdentifier,
  networkInstant,
  tokenRequestorId,
  tokenStatus,
  tokenType,
} from '../message-fields.js';

export const MdesAuthorizeServiceRequest = z.object({
  requestId: networkIdentifier,
  correlationId: networkIdentifier,
  tokenRequestorId,
  walletId: networkIdentifier.optional(),
  /** Absent when the card was not pushed (the cardholder typed it into the wallet). */
  pushAccountReceipt: networkIdentifier.optional(),
  tokenType: tokenType.optional(),
  activeTokenCount: z.int().min(0).max(1_000_000).optional(),
});
export type MdesAuthorizeServiceRequest = z.infer<typeof MdesAuthorizeServiceRequest>;

export const MdesAuthorizeServiceResponse = z.object({
  responseId: networkIdentifier,
  decision: issuerDecision,
  decisionReason: networkCode.optional(),
});

export const MdesTokenUpdate = z.object({
  tokenUniqueReference: networkIdentifier,
  tokenRequestorId: tokenRequestorId.optional(),
  pushAccountReceipt: networkIdentifier.optional(),
  status: tokenStatus,
  eventReasonCode: networkCode.optional(),
  suspendedBy: z.array(networkCode).max(10).optional(),
  statusTimestamp: networkInstant,
});

export const MdesNotifyTokenUpdatedRequest = z.object({
  requestId: networkIdentifier,
  reasonCode: networkCode,
  tokens: z.array(MdesTokenUpdate).max(100),
});
export type MdesNotifyTokenUpdatedRequest = z.infer<typeof MdesNotifyTokenUpdatedRequest>;

export const MdesNotifyTokenUpdatedResponse = z.object({ responseId: networkIdentifier });

export const MdesError = z.object({
  source: z.enum(['MDES', 'INPUT']),
  reasonCode: z.string(),
  description: z.string(),
  recoverable: z.boolean(),
});
export type MdesError = z.infer<typeof MdesError>;

/** A message MDES refuses, or (here) one the issuer refuses: `errors[]`. */
export const MdesErrorResponse = z.object({ responseId: z.string(), errors: z.array(MdesError).min(1) });

export const MdesGatewayErrorResponse = z.object({
  Errors: z.object({
    Error: z.array(
      z.object({
        Source: z.string(),
        ReasonCode: z.string(),
        Description: z.string(),
        Recoverable: z.boolean(),
        Details: z.string().nullable(),
      }),
    ),
  }),
});
export type MdesGatewayErrorResponse = z.infer<typeof MdesGatewayErrorResponse>;

/** The gateway's envelope: a call refused before its message is read (authentication, transport, limits). */
export function mdesGatewayError(
  status: number,
  reason: string,
  description: string,
  details?: string,
): MdesGatewayErrorResponse {
  return {
    Errors: {
      Error: [
        {
          Source: 'Gateway',
          ReasonCode: reason,
          Description: description,
          Recoverable: status === 429 || status >= 500,
          Details: details ?? null,
        },
      ],
    },
  };
}

/** Each issue of a message that does not match its schema, as an INPUT error naming the field. */
export function mdesInputErrors(error: z.ZodError): MdesError[] {
  return error.issues.map((issue) => ({
    source: 'INPUT',
    reasonCode:
      issue.code === 'invalid_type' && issue.message.includes('undefined')
        ? 'MISSING_REQUIRED_FIELD'
        : 'INVALID_FIELD_VALUE',
    description: `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`,
    recoverable: false,
  }));
}
