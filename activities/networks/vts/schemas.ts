/**
 * Visa's messages as zod schemas, one definition for the issuer's client, its callback routes and the
 * sandbox: the notifications Visa sends the issuer during tokenisation (the JSON inside their JWE), the
 * issuer's answers, and Visa's error envelope. A notification names what it is (`eventType`): the JWS
 * around it does not cover the URL it was posted to.
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

export const VtsAuthorizeServiceRequest = z.object({
  eventType: z.literal('PROVISIONING_DECISION'),
  correlationId: networkIdentifier,
  clientReferenceID: networkIdentifier.optional(),
  tokenRequestorID: tokenRequestorId,
  /** Absent when the card was not pushed. */
  pushReceipt: networkIdentifier.optional(),
  clientCardID: networkIdentifier.optional(),
  tokenType: tokenType.optional(),
});
export type VtsAuthorizeServiceRequest = z.infer<typeof VtsAuthorizeServiceRequest>;

export const VtsAuthorizeServiceResponse = z.object({
  decision: issuerDecision,
  decisionReason: networkCode.optional(),
});

export const VtsNotifyTokenUpdatedRequest = z.object({
  eventType: z.literal('TOKEN_STATUS_UPDATED'),
  vProvisionedTokenID: networkIdentifier.optional(),
  paymentAccountReference: networkIdentifier.optional(),
  tokenRequestorID: tokenRequestorId.optional(),
  pushReceipt: networkIdentifier.optional(),
  tokenStatus,
  statusTimestamp: networkInstant,
});
export type VtsNotifyTokenUpdatedRequest = z.infer<typeof VtsNotifyTokenUpdatedRequest>;

export const VtsNotifyTokenUpdatedResponse = z.object({});

export const VisaErrorResponse = z.object({
  errorResponse: z.object({
    status: z.int(),
    message: z.string(),
    reason: z.string(),
    details: z.array(z.object({ location: z.string() })).optional(),
  }),
});
export type VisaErrorResponse = z.infer<typeof VisaErrorResponse>;

export function visaError(status: number, reason: string, message: string, location?: string): VisaErrorResponse {
  return { errorResponse: { status, message, reason, ...(location && { details: [{ location }] }) } };
}
