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
export const defaultReceiptValidityMinutes = 15;

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
