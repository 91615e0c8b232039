/**
 * The issuer's card vault in PostgreSQL. A card's number, expiry and name are stored only AES-256-GCM
 * encrypted, the key id beside them and the card reference bound in as additional data (a ciphertext
 * copied to another row does not decrypt); a keyed fingerprint finds the same card again. What the rest
 * of the engine sees is a card reference and BIN + last four.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { CaptureMethod, CardNetwork } from '../../domain/enrollment.js';
import { maskPan, routeCard, type CardDetails } from '../../domain/card-number.js';
import type { VaultKeys } from '../keys/vault-keys.js';

type Queryable = Pick<Pool | PoolClient, 'query'>;

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

/** What a consumer typed (manual) or photographed (ocr), staged until an enrollment captures it. */
export type StagedCapture =
  { method: 'manual'; card: CardDetails } | { method: 'ocr'; image: { mediaType: string; base64: string } };

export class VaultKeyMissingError extends Error {
  override name = 'VaultKeyMissingError';
}

const stagedCaptureLifetimeMs = 30 * 60_000;

export class CardVault {
  constructor(
    private readonly db: Queryable,
    private readonly keys: VaultKeys,
  ) {}

  /**
   * Stores a card for a customer, or finds the one already stored with the same number; the caller has
   * validated it (cardProblem) and it routes to a network.
   */
  async store(customerId: string, card: CardDetails, source: CaptureMethod): Promise<VaultCard> {
    const route = routeCard(card.pan);
    if (!route) throw new RangeError('The card does not route to a network');
    const fingerprintKey = this.keys.fingerprint;
    const fingerprint = createHmac('sha256', fingerprintKey.key).update(card.pan).digest();
    const cardRef = randomUUID();
    const encryption = this.keys.currentEncryption;
    const ciphertext = seal(encryption.key, `card:${cardRef}:${encryption.kid}`, JSON.stringify(card));
    // A card already vaulted for this customer keeps its reference: the conflict returns the stored row.
    const { rows } = await this.db.query<Row>(
      `INSERT INTO vault_cards (card_ref, customer_id, card_ciphertext, encryption_key_id, pan_fingerprint,
         fingerprint_key_id, bin, last4, expiry_month, expiry_year, network, domestic_scheme, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (customer_id, fingerprint_key_id, pan_fingerprint) DO UPDATE
         SET expiry_month = vault_cards.expiry_month
       RETURNING ${columns}`,
      [
        cardRef,
        customerId,
        ciphertext,
        encryption.kid,
        fingerprint,
        fingerprintKey.kid,
        route.bin,
        card.pan.slice(-4),
        card.expiryMonth,
        card.expiryYear,
        route.network,
        route.domesticScheme ?? null,
        source,
      ],
    );
    return fromRow(rows[0]!);
  }

  /** The customer's card, or undefined when there is none with this reference for this customer. */
  async cardOf(customerId: string, cardRef: string): Promise<VaultCard | undefined> {
    if (!isUuid(cardRef)) return undefined;
    const { rows } = await this.db.query<Row>(
      `SELECT ${columns} FROM vault_cards WHERE card_ref = $1 AND customer_id = $2`,
      [cardRef, customerId],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async cardsOf(customerId: string): Promise<VaultCard[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${columns} FROM vault_cards WHERE customer_id = $1 ORDER BY created_at, card_ref`,
      [customerId],
    );
    return rows.map(fromRow);
  }

  /** The card's details in clear, for the activity that encrypts them for a network; never logged or returned further. */
  async reveal(cardRef: string): Promise<CardDetails> {
    const { rows } = await this.db.query<{ card_ciphertext: Buffer; encryption_key_id: string }>(
      'SELECT card_ciphertext, encryption_key_id FROM vault_cards WHERE card_ref = $1',
      [cardRef],
    );
    const row = rows[0];
    if (!row) throw new RangeError(`No vaulted card ${cardRef}`);
    const key = this.keys.encryptionKey(row.encryption_key_id);
    if (!key) throw new VaultKeyMissingError(`Vault key ${row.encryption_key_id} is not in the key store`);
    return JSON.parse(open(key.key, `card:${cardRef}:${row.encryption_key_id}`, row.card_ciphertext)) as CardDetails;
  }

  /** Stages what a consumer entered or photographed; returns the capture id an enrollment names. */
  async stageCapture(customerId: string, capture: StagedCapture, now: Date = new Date()): Promise<string> {
    const captureId = randomUUID();
    const key = this.keys.currentEncryption;
    await this.db.query(
      `INSERT INTO card_captures (capture_id, customer_id, method, payload_ciphertext, encryption_key_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        captureId,
        customerId,
        capture.method,
        seal(key.key, `capture:${captureId}:${key.kid}`, JSON.stringify(capture)),
        key.kid,
        new Date(now.getTime() + stagedCaptureLifetimeMs),
      ],
    );
    return captureId;
  }

  /**
   * The staged capture of this customer, if it exists and has not expired: its payload, or the card it
   * was already vaulted as (a retried capture).
   */
  async stagedCapture(
    customerId: string,
    captureId: string,
  ): Promise<{ capture: StagedCapture } | { cardRef: string; method: 'manual' | 'ocr' } | undefined> {
    if (!isUuid(captureId)) return undefined;
    const { rows } = await this.db.query<{
      payload_ciphertext: Buffer | null;
      encryption_key_id: string;
      card_ref: string | null;
      method: 'manual' | 'ocr';
    }>(
      `SELECT payload_ciphertext, encryption_key_id, card_ref, method FROM card_captures
       WHERE capture_id = $1 AND customer_id = $2 AND expires_at > now()`,
      [captureId, customerId],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.card_ref) return { cardRef: row.card_ref, method: row.method };
    const key = this.keys.encryptionKey(row.encryption_key_id);
    if (!key) throw new VaultKeyMissingError(`Vault key ${row.encryption_key_id} is not in the key store`);
    const plaintext = open(key.key, `capture:${captureId}:${row.encryption_key_id}`, row.payload_ciphertext!);
    return { capture: JSON.parse(plaintext) as StagedCapture };
  }

  /** Erases a staged capture's payload, keeping only the card it became. */
  async markCaptured(captureId: string, cardRef: string): Promise<void> {
    await this.db.query('UPDATE card_captures SET payload_ciphertext = NULL, card_ref = $2 WHERE capture_id = $1', [
      captureId,
      cardRef,
    ]);
  }

  /** Deletes staged captures nobody used in time; returns how many. */
  async purgeExpiredCaptures(): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM card_captures WHERE expires_at <= now()');
    return rowCount ?? 0;
  }
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
    maskedPan: maskPan(`${row.bin}000000${row.last4}`),
    bin: row.bin,
    last4: row.last4,
    expiryMonth: row.expiry_month,
    expiryYear: row.expiry_year,
    network: row.network,
    ...(row.domestic_scheme && { domesticScheme: row.domestic_scheme }),
    source: row.source,
  };
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** AES-256-GCM: 12-byte IV, 16-byte tag, ciphertext, in one buffer; `context` is bound as additional data. */
function seal(key: Buffer, context: string, plaintext: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

function open(key: Buffer, context: string, sealed: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
}
