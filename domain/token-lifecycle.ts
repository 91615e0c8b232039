/**
 * A token's life from the issuer's side: suspend, resume, delete (and activate, once stepped up) one token, with a reason; the status
 * each operation leads to and the statuses it may start from, as both networks apply them (Mastercard's
 * token customer service calls, Visa's lifecycle call). An operation already done (suspending a suspended
 * token) is done: the engine may repeat a call it is unsure of. The wire codes of each reason are in each
 * network's folder.
 */
import type { TokenStatus } from './enrollment.js';

export const lifecycleOperations = ['SUSPEND', 'RESUME', 'DELETE', 'ACTIVATE'] as const;
export type LifecycleOperation = (typeof lifecycleOperations)[number];

/** Why (the peers' lists: lost, stolen, fraud suspected, customer request, account closed, found, replaced). */
export const lifecycleReasons = [
  'LOST',
  'STOLEN',
  'FRAUD_SUSPECTED',
  'CUSTOMER_REQUEST',
  'ACCOUNT_CLOSED',
  'FOUND',
  'CARD_REPLACED',
  /** A YELLOW token's cardholder proved it is them (a code, the issuer's app, a call): it may be activated. */
  'CARDHOLDER_VERIFIED',
  'OTHER',
] as const;
export type LifecycleReason = (typeof lifecycleReasons)[number];

const rules: Record<LifecycleOperation, { to: TokenStatus; from: readonly TokenStatus[] }> = {
  SUSPEND: { to: 'SUSPENDED', from: ['ACTIVE', 'INACTIVE'] },
  RESUME: { to: 'ACTIVE', from: ['SUSPENDED'] },
  DELETE: { to: 'DEACTIVATED', from: ['ACTIVE', 'INACTIVE', 'SUSPENDED'] },
  ACTIVATE: { to: 'ACTIVE', from: ['INACTIVE'] },
};

/**
 * What the operation does to a token in this status: its new status, `already` when it is there (nothing
 * to do), or refused (a deleted token does not come back; an active one is not resumed).
 */
export function lifecycleTransition(
  operation: LifecycleOperation,
  current: TokenStatus,
): { to: TokenStatus; already: boolean } | { refused: string } {
  const rule = rules[operation];
  if (current === rule.to) return { to: rule.to, already: true };
  if (rule.from.includes(current)) return { to: rule.to, already: false };
  return { refused: `A ${current} token cannot be ${pastTense[operation]}` };
}

const pastTense: Record<LifecycleOperation, string> = {
  SUSPEND: 'suspended',
  RESUME: 'resumed',
  DELETE: 'deleted',
  ACTIVATE: 'activated',
};

/** One operation on one token, as the engine asks a network. */
export interface TokenLifecycleRequest {
  tokenUniqueReference: string;
  tokenRequestorId: string;
  operation: LifecycleOperation;
  reason: LifecycleReason;
  /** Free text for the network's records (checked for card numbers before it gets here). */
  comment?: string;
  /** Who asked, for the network's audit: an operator's id, or the engine itself. */
  requestedBy: string;
  /** Stable across retries of one operation. */
  requestId: string;
}

/** The token's status once the network has applied the operation (or found it applied already). */
export interface TokenLifecycleResult {
  tokenUniqueReference: string;
  status: TokenStatus;
}

/** Why a network refused: the token is not its, or not in a status the operation starts from. */
export class TokenLifecycleRefused extends Error {
  override name = 'TokenLifecycleRefused';
  constructor(
    readonly reason: 'TOKEN_NOT_FOUND' | 'STATE_CONFLICT',
    message: string,
    /** The token's status at the network, when it said. */
    readonly currentStatus?: TokenStatus,
  ) {
    super(message);
  }
}
