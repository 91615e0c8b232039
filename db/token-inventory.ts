/**
 * The issuer's token inventory: which token of which card lives with which token requestor, and its last
 * status. Written by the enrollment (recordToken) and by the networks' callbacks once the enrollment has
 * ended, through one upsert with one rule: an older status never replaces a newer one. A change of status
 * is published as a `token.status_changed` webhook event in the same transaction.
 */
import { maskedPanOf } from '../domain/card-number.js';
import type { CardNetwork, TokenStatus } from '../domain/enrollment.js';
import type { Queryable } from './queryable.js';
import {
  changedTokenColumns,
  publishTokenStatusChange,
  tokenStatusChangeOf,
  type ChangedTokenRow,
} from './token-status-events.js';
import { inTransaction } from './transaction.js';

export interface TokenStatusRecord {
  network: CardNetwork;
  tokenUniqueReference: string;
  customerId: string;
  cardRef: string;
  tokenRequestorId: string;
  /** The enrollment that pushed the card; none for a token the cardholder asked for in the wallet. */
  enrollmentId?: string;
  status: TokenStatus;
  /** When the network says the token took this status (ISO 8601): what orders the updates. */
  statusTimestamp: string;
  /** Why, when the network said (a wallet's event such as DELETED_FROM_WALLET): told with the change, not kept. */
  reason?: string;
}

/** A customer's token as the inventory knows it, with its card masked and its token requestor named. */
export interface InventoryToken {
  network: CardNetwork;
  tokenUniqueReference: string;
  tokenRequestorId: string;
  /** The consumer-facing name, when the token requestor is in the cache. */
  tokenRequestorName?: string;
  status: TokenStatus;
  statusTimestamp: Date;
  card: { cardRef: string; maskedPan: string };
}

/**
 * Adds the token, or moves it to this status when the status is newer than the one kept; an update as old
 * as the one kept, or older (networks retry and reorder), changes nothing. Owner, card and enrollment are
 * those of the first write.
 */
export async function recordTokenStatus(db: Queryable, token: TokenStatusRecord): Promise<void> {
  await inTransaction(db, async (client) => {
    // `prior` is the row as it was before this statement: one snapshot serves the whole statement.
    const { rows } = await client.query<ChangedTokenRow>(
      `WITH prior AS (SELECT status FROM token_inventory WHERE network = $1 AND token_unique_reference = $2)
       INSERT INTO token_inventory (network, token_unique_reference, customer_id, card_ref, token_requestor_id,
         status, status_timestamp, enrollment_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (network, token_unique_reference) DO UPDATE
         SET status = EXCLUDED.status, status_timestamp = EXCLUDED.status_timestamp, updated_at = now()
         WHERE token_inventory.status_timestamp < EXCLUDED.status_timestamp
       RETURNING ${changedTokenColumns}, (SELECT status FROM prior) AS previous_status`,
      [
        token.network,
        token.tokenUniqueReference,
        token.customerId,
        token.cardRef,
        token.tokenRequestorId,
        token.status,
        token.statusTimestamp,
        token.enrollmentId ?? null,
      ],
    );
    // Written (a new token, or a newer status): a change of status is told to the issuer's systems with it.
    if (rows[0]) {
      const change = tokenStatusChangeOf(rows[0]);
      await publishTokenStatusChange(client, token.reason === undefined ? change : { ...change, reason: token.reason });
    }
  });
}

/** The customer's tokens, oldest first. */
export async function tokensOf(db: Queryable, customerId: string): Promise<InventoryToken[]> {
  const { rows } = await db.query<{
    network: CardNetwork;
    token_unique_reference: string;
    token_requestor_id: string;
    status: TokenStatus;
    status_timestamp: Date;
    card_ref: string;
    bin: string;
    last4: string;
    token_requestor_name: string | null;
  }>(
    `SELECT t.network, t.token_unique_reference, t.token_requestor_id, t.status, t.status_timestamp,
            c.card_ref, c.bin, c.last4, r.consumer_facing_entity_name AS token_requestor_name
     FROM token_inventory t JOIN vault_cards c ON c.card_ref = t.card_ref
     LEFT JOIN token_requestors r ON r.network = t.network AND r.token_requestor_id = t.token_requestor_id
     WHERE t.customer_id = $1 ORDER BY t.created_at, t.token_unique_reference`,
    [customerId],
  );
  return rows.map((row) => ({
    network: row.network,
    tokenUniqueReference: row.token_unique_reference,
    tokenRequestorId: row.token_requestor_id,
    ...(row.token_requestor_name && { tokenRequestorName: row.token_requestor_name }),
    status: row.status,
    statusTimestamp: row.status_timestamp,
    card: { cardRef: row.card_ref, maskedPan: maskedPanOf(row.bin, row.last4) },
  }));
}
