/**
 * The card vault's table: each card's sealed details (number, expiry, name; sealed by the vault in
 * activities/vault/card-vault.ts), its keyed fingerprint, and what may be shown (BIN and last four).
 */
import { maskedPanOf } from '../domain/card-number.js';
import type { CardStatus } from '../domain/decisioning/rules.js';
import type { CaptureMethod, CardNetwork } from '../domain/enrollment.js';
import type { Queryable } from './queryable.js';

/** A vaulted card as the rest of the engine sees it: a reference, BIN and last four, never the number. */
export interface VaultCard {
  cardRef: string;
  customerId: string;
  maskedPan: string;
  bin: string;
  last4: string;
  expiryMonth: number;
  expiryYear: number;
  network: CardNetwork;
  domesticScheme?: string;
  source: CaptureMethod;
}

/** What the vault writes for a new card: the card as shown, and its sealed details and keyed fingerprint. */
export interface NewVaultCard extends Omit<VaultCard, 'maskedPan'> {
  sealedDetails: Buffer;
  encryptionKeyId: string;
  panFingerprint: Buffer;
  fingerprintKeyId: string;
}

/** A card's details as stored: sealed, with the id of the key that sealed them. */
export interface SealedCard {
  sealedDetails: Buffer;
  encryptionKeyId: string;
}

/**
 * Stores the card, unless this customer has one with the same fingerprint (same number, same fingerprint
 * key): then that card is returned as it was stored, its reference unchanged.
 */
export async function storeVaultCard(db: Queryable, card: NewVaultCard): Promise<VaultCard> {
  const { rows } = await db.query<Row>(
    `INSERT INTO vault_cards (card_ref, customer_id, card_ciphertext, encryption_key_id, pan_fingerprint,
       fingerprint_key_id, bin, last4, expiry_month, expiry_year, network, domestic_scheme, source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (customer_id, fingerprint_key_id, pan_fingerprint) DO UPDATE
       SET expiry_month = vault_cards.expiry_month
     RETURNING ${columns}`,
    [
      card.cardRef,
      card.customerId,
      card.sealedDetails,
      card.encryptionKeyId,
      card.panFingerprint,
      card.fingerprintKeyId,
      card.bin,
      card.last4,
      card.expiryMonth,
      card.expiryYear,
      card.network,
      card.domesticScheme ?? null,
      card.source,
    ],
  );
  return fromRow(rows[0]!);
}

/** The customer's card by its reference (a uuid); undefined when the customer has none by it. */
export async function vaultCardOf(db: Queryable, customerId: string, cardRef: string): Promise<VaultCard | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${columns} FROM vault_cards WHERE card_ref = $1 AND customer_id = $2`, [
    cardRef,
    customerId,
  ]);
  return rows[0] && fromRow(rows[0]);
}

/** The customer's cards, oldest first. */
export async function vaultCardsOf(db: Queryable, customerId: string): Promise<VaultCard[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM vault_cards WHERE customer_id = $1 ORDER BY created_at, card_ref`,
    [customerId],
  );
  return rows.map(fromRow);
}

/**
 * Every vaulted card of this network, whichever customer holds it, whose fingerprint is one of these (each
 * under the key that made it): the cards of one number. Oldest first.
 */
export async function vaultCardsByFingerprint(
  db: Queryable,
  network: CardNetwork,
  fingerprints: readonly { fingerprintKeyId: string; panFingerprint: Buffer }[],
): Promise<VaultCard[]> {
  if (fingerprints.length === 0) return [];
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM vault_cards
     WHERE network = $1
       AND (fingerprint_key_id, pan_fingerprint) IN (SELECT * FROM unnest($2::text[], $3::bytea[]))
     ORDER BY created_at, card_ref`,
    [network, fingerprints.map((each) => each.fingerprintKeyId), fingerprints.map((each) => each.panFingerprint)],
  );
  return rows.map(fromRow);
}

/** The card's sealed details; undefined when no card has this reference. */
export async function sealedCardOf(db: Queryable, cardRef: string): Promise<SealedCard | undefined> {
  const { rows } = await db.query<{ card_ciphertext: Buffer; encryption_key_id: string }>(
    'SELECT card_ciphertext, encryption_key_id FROM vault_cards WHERE card_ref = $1',
    [cardRef],
  );
  const row = rows[0];
  return row && { sealedDetails: row.card_ciphertext, encryptionKeyId: row.encryption_key_id };
}

interface Row {
  card_ref: string;
  customer_id: string;
  bin: string;
  last4: string;
  expiry_month: number;
  expiry_year: number;
  network: CardNetwork;
  domestic_scheme: string | null;
  source: CaptureMethod;
}

const columns = 'card_ref, customer_id, bin, last4, expiry_month, expiry_year, network, domestic_scheme, source';

function fromRow(row: Row): VaultCard {
  return {
    cardRef: row.card_ref,
    customerId: row.customer_id,
    maskedPan: maskedPanOf(row.bin, row.last4),
    bin: row.bin,
    last4: row.last4,
    expiryMonth: row.expiry_month,
    expiryYear: row.expiry_year,
    network: row.network,
    ...(row.domestic_scheme && { domesticScheme: row.domestic_scheme }),
    source: row.source,
  };
}

/** The cards' standing at the issuer (ACTIVE unless the card management system said otherwise), by reference. */
export async function cardStatusesOf(db: Queryable, cardRefs: readonly string[]): Promise<Map<string, CardStatus>> {
  const { rows } = await db.query<{ card_ref: string; card_status: CardStatus }>(
    'SELECT card_ref, card_status FROM vault_cards WHERE card_ref = ANY($1::uuid[])',
    [cardRefs],
  );
  return new Map(rows.map((row) => [row.card_ref, row.card_status]));
}

/**
 * Sets the card's standing; false when no card has this reference, or the card is REPLACED: a replacement
 * is final, and a standing set at the same time as one (read before it committed) must not undo it.
 */
export async function setCardStatus(db: Queryable, cardRef: string, status: CardStatus): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE vault_cards SET card_status = $2 WHERE card_ref = $1 AND card_status <> 'REPLACED'",
    [cardRef, status],
  );
  return rowCount === 1;
}
