/** The `token.status_changed` webhook event: published by the inventory's writes when a token's status changes. */
import type { CardNetwork, TokenStatus } from '../domain/enrollment.js';
import { tokenOrderingKey } from '../domain/webhook-events.js';
import type { Queryable } from './queryable.js';
import { publishEvent } from './webhook-events.js';

/** The token as written, and its status before (none when the inventory did not hold it yet). */
export interface TokenStatusChange {
  network: CardNetwork;
  tokenUniqueReference: string;
  tokenRequestorId: string;
  customerId: string;
  cardRef: string;
  enrollmentId?: string;
  status: TokenStatus;
  previousStatus?: TokenStatus;
  statusTimestamp: Date;
  /** The network's reason, when it gave one. */
  reason?: string;
}

/** Publishes the change, when the status is another than before. */
export async function publishTokenStatusChange(db: Queryable, change: TokenStatusChange): Promise<void> {
  if (change.status === change.previousStatus) return;
  await publishEvent(db, {
    type: 'token.status_changed',
    orderingKey: tokenOrderingKey(change.network, change.tokenUniqueReference),
    occurredAt: change.statusTimestamp,
    data: {
      network: change.network,
      tokenUniqueReference: change.tokenUniqueReference,
      tokenRequestorId: change.tokenRequestorId,
      customerId: change.customerId,
      cardRef: change.cardRef,
      ...(change.enrollmentId !== undefined && { enrollmentId: change.enrollmentId }),
      status: change.status,
      previousStatus: change.previousStatus ?? null,
      ...(change.reason !== undefined && { reason: change.reason }),
      statusTimestamp: change.statusTimestamp.toISOString(),
    },
  });
}

/** The columns a write returns to publish its change from (`prior` the row as it was, in a CTE). */
export const changedTokenColumns = `network, token_unique_reference, token_requestor_id, customer_id, card_ref,
  enrollment_id, status, status_timestamp`;

export interface ChangedTokenRow {
  network: CardNetwork;
  token_unique_reference: string;
  token_requestor_id: string;
  customer_id: string;
  card_ref: string;
  enrollment_id: string | null;
  status: TokenStatus;
  status_timestamp: Date;
  previous_status: TokenStatus | null;
}

export const tokenStatusChangeOf = (row: ChangedTokenRow): TokenStatusChange => ({
  network: row.network,
  tokenUniqueReference: row.token_unique_reference,
  tokenRequestorId: row.token_requestor_id,
  customerId: row.customer_id,
  cardRef: row.card_ref,
  ...(row.enrollment_id !== null && { enrollmentId: row.enrollment_id }),
  status: row.status,
  ...(row.previous_status !== null && { previousStatus: row.previous_status }),
  statusTimestamp: row.status_timestamp,
});
