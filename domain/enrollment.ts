/** The enrollment: one consumer request to push cards to one token requestor, and the states it goes through. */

export const enrollmentStatuses = [
  'CAPTURED',
  'AWAITING_AUTHENTICATION',
  'PUSHING',
  'AWAITING_TOKEN_REQUESTOR',
  'COMPLETED',
  'PARTIALLY_COMPLETED',
  'EXPIRED',
  'DECLINED',
  'FAILED',
  'CANCELLED',
] as const;
export type EnrollmentStatus = (typeof enrollmentStatuses)[number];

export const cardNetworks = ['MASTERCARD', 'VISA'] as const;
export type CardNetwork = (typeof cardNetworks)[number];

/** MDES: receipts and issuer-initiated digitization data are valid 5..15 minutes, 15 by default. */
export const receiptValidityMinutes = { min: 5, max: 15, default: 15 } as const;

/** Why a receipt validity is refused, or undefined when the networks accept it. */
export function receiptValidityProblem(minutes: number): string | undefined {
  const { min, max } = receiptValidityMinutes;
  if (Number.isInteger(minutes) && minutes >= min && minutes <= max) return undefined;
  return `receiptValidityMinutes must be a whole number from ${min} to ${max}, not ${minutes}`;
}

export interface EnrollmentInput {
  /** The issuer's request id; the workflow id derives from it, never from card data. */
  requestId: string;
  network: CardNetwork;
  /** 11-digit MDES token requestor id, or the VTS equivalent. */
  tokenRequestorId: string;
  receiptValidityMinutes?: number;
}

export interface EnrollmentView {
  status: EnrollmentStatus;
  tokenRequestorId: string;
  /** When the receipts expire, ISO 8601; set once they are issued. */
  receiptsExpireAt?: string;
  tokenUniqueReference?: string;
}

export interface EnrollmentResult {
  status: EnrollmentStatus;
  tokenUniqueReference?: string;
}

export interface TokenisationConfirmation {
  tokenUniqueReference: string;
}

export function enrollmentWorkflowId(requestId: string): string {
  return `enrollment-${requestId}`;
}
