/** The receipts each push obtained from a network: how the network's later calls find their enrollment. */
import type { CardNetwork } from '../domain/enrollment.js';
import type { Queryable } from './queryable.js';

export interface PushReceipt {
  enrollmentId: string;
  customerId: string;
  cardRef: string;
  tokenRequestorId: string;
  /** After this instant the token requestor may no longer redeem the receipt. */
  expiresAt: Date;
}

/**
 * Keeps a receipt for the vaulted card it was obtained for (its customer is the card's); a receipt kept
 * already (a retried push) is left as it is.
 */
export async function recordPushReceipt(
  db: Queryable,
  receipt: {
    receipt: string;
    network: CardNetwork;
    enrollmentId: string;
    cardRef: string;
    tokenRequestorId: string;
    pushAccountId: string;
    expiresAt: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO push_receipts (receipt, network, enrollment_id, customer_id, card_ref, token_requestor_id,
       push_account_id, expires_at)
     SELECT $1, $2, $3, customer_id, card_ref, $5, $6, $7 FROM vault_cards WHERE card_ref = $4
     ON CONFLICT (receipt) DO NOTHING`,
    [
      receipt.receipt,
      receipt.network,
      receipt.enrollmentId,
      receipt.cardRef,
      receipt.tokenRequestorId,
      receipt.pushAccountId,
      receipt.expiresAt,
    ],
  );
}

/** The receipt this network issued, expired or not; undefined when it issued none by that value. */
export async function findPushReceipt(
  db: Queryable,
  network: CardNetwork,
  receipt: string,
): Promise<PushReceipt | undefined> {
  const { rows } = await db.query<{
    enrollment_id: string;
    token_requestor_id: string;
    card_ref: string;
    customer_id: string;
    expires_at: Date;
  }>(
    'SELECT enrollment_id, token_requestor_id, card_ref, customer_id, expires_at FROM push_receipts WHERE receipt = $1 AND network = $2',
    [receipt, network],
  );
  const row = rows[0];
  return (
    row && {
      enrollmentId: row.enrollment_id,
      customerId: row.customer_id,
      cardRef: row.card_ref,
      tokenRequestorId: row.token_requestor_id,
      expiresAt: row.expires_at,
    }
  );
}
