/**
 * What a card replacement reads and writes: a card's standing (its customer, network and status, never its
 * number), the replacement itself (one per old card, the old card marked REPLACED in the same transaction),
 * and each token moved to the new card in the inventory.
 */
import type { CardStatus } from '../domain/decisioning/rules.js';
import type { CardNetwork } from '../domain/enrollment.js';
import type { Queryable } from './queryable.js';
import { inTransaction } from './transaction.js';
import { setCardStatus } from './vault-cards.js';

export interface CardStanding {
  cardRef: string;
  customerId: string;
  network: CardNetwork;
  last4: string;
  status: CardStatus;
}

export interface CardReplacementRecord {
  operationId: string;
  oldCardRef: string;
  newCardRef: string;
  requestedBy: string;
}

/** Any customer's card by its reference (a uuid); undefined when there is none. */
export async function cardStandingOf(db: Queryable, cardRef: string): Promise<CardStanding | undefined> {
  const { rows } = await db.query<{
    card_ref: string;
    customer_id: string;
    network: CardNetwork;
    last4: string;
    card_status: CardStatus;
  }>('SELECT card_ref, customer_id, network, last4, card_status FROM vault_cards WHERE card_ref = $1', [cardRef]);
  const row = rows[0];
  return (
    row && {
      cardRef: row.card_ref,
      customerId: row.customer_id,
      network: row.network,
      last4: row.last4,
      status: row.card_status,
    }
  );
}

/**
 * The card that may replace the old one: one of the same customer on the same network (tokens stay at their
 * network); undefined when the new reference names no such card.
 */
export async function replacementCardOf(
  db: Queryable,
  oldCardRef: string,
  newCardRef: string,
): Promise<{ cardRef: string } | undefined> {
  const { rows } = await db.query<{ card_ref: string }>(
    `SELECT new.card_ref FROM vault_cards new JOIN vault_cards old
       ON old.customer_id = new.customer_id AND old.network = new.network
     WHERE old.card_ref = $1 AND new.card_ref = $2`,
    [oldCardRef, newCardRef],
  );
  return rows[0] && { cardRef: rows[0].card_ref };
}

/** The replacement recorded under this operation id, if any. */
export async function cardReplacementOf(
  db: Queryable,
  operationId: string,
): Promise<CardReplacementRecord | undefined> {
  const { rows } = await db.query<{
    operation_id: string;
    old_card_ref: string;
    new_card_ref: string;
    requested_by: string;
  }>('SELECT operation_id, old_card_ref, new_card_ref, requested_by FROM card_replacements WHERE operation_id = $1', [
    operationId,
  ]);
  const row = rows[0];
  return (
    row && {
      operationId: row.operation_id,
      oldCardRef: row.old_card_ref,
      newCardRef: row.new_card_ref,
      requestedBy: row.requested_by,
    }
  );
}

/**
 * Records the replacement and marks the old card REPLACED, together; false (nothing written) when the old
 * card is replaced already, by this operation or another.
 */
export async function recordCardReplacement(db: Queryable, replacement: CardReplacementRecord): Promise<boolean> {
  return inTransaction(db, async (client) => {
    const { rowCount } = await client.query(
      `INSERT INTO card_replacements (operation_id, old_card_ref, new_card_ref, requested_by)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [replacement.operationId, replacement.oldCardRef, replacement.newCardRef, replacement.requestedBy],
    );
    if (rowCount !== 1) return false;
    await setCardStatus(client, replacement.oldCardRef, 'REPLACED');
    return true;
  });
}

/** The token now belongs to the new card (the same customer's): the inventory row follows it. */
export async function moveTokenToCard(
  db: Queryable,
  token: { network: CardNetwork; tokenUniqueReference: string; cardRef: string },
): Promise<void> {
  await db.query(
    `UPDATE token_inventory SET card_ref = $3, updated_at = now()
     WHERE network = $1 AND token_unique_reference = $2`,
    [token.network, token.tokenUniqueReference, token.cardRef],
  );
}
