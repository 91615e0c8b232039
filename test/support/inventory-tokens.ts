/**
 * Tokens put straight into the test run's inventory, for the tests that read or reconcile it: a vaulted card
 * of a new customer (no card data: a placeholder seal and fingerprint, BIN and last four only) with these
 * tokens. The inventory is shared by every test file: a test reads back only its own customers' and cards'.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/queryable.js';
import type { CardNetwork, TokenStatus } from '../../domain/enrollment.js';

export interface PlacedToken {
  token: string;
  status: TokenStatus;
  network?: CardNetwork;
  tokenRequestorId?: string;
}

/** A new token unique reference in MDES's format. */
export const newTokenReference = (): string => `DWSPMC${randomUUID().replaceAll('-', '').toUpperCase()}`;

export async function cardWithTokens(
  db: Queryable,
  tokens: PlacedToken[],
  card: { customerId?: string; bin?: string; last4?: string } = {},
): Promise<{ cardRef: string; customerId: string }> {
  const cardRef = randomUUID();
  const customerId = card.customerId ?? `customer-${cardRef}`;
  await db.query(
    `INSERT INTO vault_cards (card_ref, customer_id, card_ciphertext, encryption_key_id, pan_fingerprint,
       fingerprint_key_id, bin, last4, expiry_month, expiry_year, network, source)
     VALUES ($1, $2, '\\x00', 'test', $3, 'test', $4, $5, 9, 2031, 'MASTERCARD', 'card-on-file')`,
    [cardRef, customerId, Buffer.from(cardRef), card.bin ?? '520473', card.last4 ?? '4792'],
  );
  for (const { token, status, network = 'MASTERCARD', tokenRequestorId = '50110030273' } of tokens) {
    await db.query(
      `INSERT INTO token_inventory (network, token_unique_reference, customer_id, card_ref, token_requestor_id,
         status, status_timestamp)
       VALUES ($1, $2, $3, $4, $5, $6, now() - interval '1 hour')`,
      [network, token, customerId, cardRef, tokenRequestorId, status],
    );
  }
  return { cardRef, customerId };
}
