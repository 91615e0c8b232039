/** Visa's error envelope as the sandbox answers it: its gateway reasons and tokenisation refusals in Visa's words. */
import type { z } from 'zod';
import { visaError as visaErrorResponse } from '../../activities/networks/vts/schemas.js';
import type { GatewayReason } from '../network/sandbox-app.js';
import type { TokenisationRefusal } from '../network/tokenization.js';

const gatewayReasons: Record<GatewayReason, string> = {
  SERVICE_UNAVAILABLE: 'serviceUnavailable',
  RATE_LIMITED: 'rateLimitExceeded',
  BAD_REQUEST: 'invalidParameter',
  NOT_FOUND: 'notFound',
  UNAUTHORIZED: 'unauthorized',
};

/** Visa's error envelope, its gateway reasons in Visa's words. */
export function visaError(status: number, reason: string, message: string, location?: string): object {
  return visaErrorResponse(status, gatewayReasons[reason as GatewayReason] ?? reason, message, location);
}

export const refusalReasons: Record<TokenisationRefusal, string> = {
  UNKNOWN_RECEIPT: 'invalidPushReceipt',
  RECEIPT_EXPIRED: 'pushReceiptExpired',
  WRONG_TOKEN_REQUESTOR: 'invalidPushReceipt',
  RECEIPT_ALREADY_USED: 'pushReceiptAlreadyUsed',
  UNKNOWN_TOKEN_REQUESTOR: 'invalidParameter',
  ACCOUNT_INVALID: 'invalidParameter',
  ACCOUNT_INELIGIBLE: 'cardNotEligible',
  REQUEST_ID_REUSED: 'duplicateRequest',
};

/** A message that does not match its schema: its first issue, located. */
export function parameterError(error: z.ZodError, prefix = ''): object {
  const issue = error.issues[0]!;
  const location = prefix + issue.path.map(String).join('.');
  return visaError(400, 'invalidParameter', `${location || 'body'}: ${issue.message}`, location || 'body');
}
