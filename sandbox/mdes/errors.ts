/** MDES's business errors (HTTP 200 with `errors[]`) and the reason codes of a tokenisation it refuses. */
import { randomUUID } from 'node:crypto';
import type { MdesError } from '../../activities/networks/mdes/schemas.js';
import type { TokenisationRefusal } from '../network/tokenization.js';

export const refusalCodes: Record<TokenisationRefusal, string> = {
  UNKNOWN_RECEIPT: 'INVALID_PUSH_ACCOUNT_RECEIPT',
  RECEIPT_EXPIRED: 'PUSH_ACCOUNT_RECEIPT_EXPIRED',
  WRONG_TOKEN_REQUESTOR: 'INVALID_PUSH_ACCOUNT_RECEIPT',
  RECEIPT_ALREADY_USED: 'PUSH_ACCOUNT_RECEIPT_ALREADY_USED',
  UNKNOWN_TOKEN_REQUESTOR: 'INVALID_TOKEN_REQUESTOR',
  ACCOUNT_INVALID: 'INVALID_FIELD_VALUE',
  ACCOUNT_INELIGIBLE: 'ACCOUNT_INELIGIBLE',
  REQUEST_ID_REUSED: 'INVALID_FIELD_VALUE',
};

export const businessErrors = (errors: MdesError[]): object => ({ responseId: randomUUID(), errors });

/** One INPUT error: the message names a field MDES will not take. */
export const inputError = (description: string, reasonCode = 'INVALID_FIELD_VALUE'): object =>
  businessErrors([{ source: 'INPUT', reasonCode, description, recoverable: false }]);
