/**
 * Idempotency keys in PostgreSQL, each kept as the digest of the caller's key: who holds a key, the hash
 * of the request that claimed it, and the response kept for it (none while that request runs).
 * api/idempotency.ts builds Stripe's semantics on these statements.
 */
import type { Queryable } from './queryable.js';

/** One key of one customer; `keyDigest` is the key's SHA-256 (hex), never the key as sent. */
export interface IdempotencyScope {
  customerId: string;
  keyDigest: string;
}

export interface KeptResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyKeyState {
  requestHash: string;
  /** Absent while the request that claimed the key is still running. */
  response?: KeptResponse;
}

/**
 * True when this request now holds the key: nobody held it, or its holder's lifetime has passed (the
 * key starts afresh). False when it is held.
 */
export async function claimIdempotencyKey(
  db: Queryable,
  scope: IdempotencyScope,
  requestHash: string,
  lifetimeHours: number,
): Promise<boolean> {
  const claimed = await db.query(
    `INSERT INTO idempotency_keys (customer_id, idempotency_key, request_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4))
     ON CONFLICT (customer_id, idempotency_key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL,
           created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.expires_at <= now()
     RETURNING 1`,
    [scope.customerId, scope.keyDigest, requestHash, lifetimeHours],
  );
  return claimed.rowCount === 1;
}

/** Keeps the response of the request holding the key, to be replayed. */
export async function keepIdempotentResponse(
  db: Queryable,
  scope: IdempotencyScope,
  response: KeptResponse,
): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys SET response_status = $3, response_body = $4
     WHERE customer_id = $1 AND idempotency_key = $2`,
    [scope.customerId, scope.keyDigest, response.status, JSON.stringify(response.body)],
  );
}

/** The key's request hash and kept response; undefined when nobody holds the key. */
export async function idempotencyKeyState(
  db: Queryable,
  scope: IdempotencyScope,
): Promise<IdempotencyKeyState | undefined> {
  const { rows } = await db.query<{ request_hash: string; response_status: number | null; response_body: unknown }>(
    `SELECT request_hash, response_status, response_body FROM idempotency_keys
     WHERE customer_id = $1 AND idempotency_key = $2`,
    [scope.customerId, scope.keyDigest],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    requestHash: row.request_hash,
    ...(row.response_status !== null && { response: { status: row.response_status, body: row.response_body } }),
  };
}

/** Lets go of a key whose request ended without a response to keep, so that a retry runs again. */
export async function releaseIdempotencyKey(db: Queryable, scope: IdempotencyScope): Promise<void> {
  await db.query(
    'DELETE FROM idempotency_keys WHERE customer_id = $1 AND idempotency_key = $2 AND response_status IS NULL',
    [scope.customerId, scope.keyDigest],
  );
}
