/**
 * Staged captures: what a consumer entered or photographed, sealed (by the vault) until an enrollment
 * captures it; then the payload is erased and the row names the vaulted card, so that a retried capture
 * finds that card again.
 */
import type { Queryable } from './queryable.js';

export type StagedCaptureMethod = 'manual' | 'ocr';

/** A staged capture not yet vaulted (its sealed payload), or already vaulted (the card it became). */
export type StagedCaptureRecord =
  | { method: StagedCaptureMethod; encryptionKeyId: string; sealedPayload: Buffer }
  | { method: StagedCaptureMethod; cardRef: string };

export async function stageCardCapture(
  db: Queryable,
  capture: {
    captureId: string;
    customerId: string;
    method: StagedCaptureMethod;
    sealedPayload: Buffer;
    encryptionKeyId: string;
    expiresAt: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO card_captures (capture_id, customer_id, method, payload_ciphertext, encryption_key_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      capture.captureId,
      capture.customerId,
      capture.method,
      capture.sealedPayload,
      capture.encryptionKeyId,
      capture.expiresAt,
    ],
  );
}

/** The customer's staged capture by its id (a uuid), unless it has expired. */
export async function stagedCaptureOf(
  db: Queryable,
  customerId: string,
  captureId: string,
): Promise<StagedCaptureRecord | undefined> {
  const { rows } = await db.query<{
    payload_ciphertext: Buffer | null;
    encryption_key_id: string;
    card_ref: string | null;
    method: StagedCaptureMethod;
  }>(
    `SELECT payload_ciphertext, encryption_key_id, card_ref, method FROM card_captures
     WHERE capture_id = $1 AND customer_id = $2 AND expires_at > now()`,
    [captureId, customerId],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.card_ref) return { method: row.method, cardRef: row.card_ref };
  return { method: row.method, encryptionKeyId: row.encryption_key_id, sealedPayload: row.payload_ciphertext! };
}

/** Erases a staged capture's payload, keeping only the card it became. */
export async function markCardCaptured(db: Queryable, captureId: string, cardRef: string): Promise<void> {
  await db.query('UPDATE card_captures SET payload_ciphertext = NULL, card_ref = $2 WHERE capture_id = $1', [
    captureId,
    cardRef,
  ]);
}

/** Deletes the staged captures nobody used in time; returns how many. */
export async function purgeExpiredCardCaptures(db: Queryable): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM card_captures WHERE expires_at <= now()');
  return rowCount ?? 0;
}
