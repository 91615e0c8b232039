/**
 * Idempotency keys with Stripe's semantics, kept in PostgreSQL: the first request with a key runs and its
 * response is stored; the same key with the same body replays that response; with another body it is
 * refused (422); a duplicate arriving while the first is still running waits for its response. A request
 * that fails without a response to keep releases its key, so that a retry runs again.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';

export interface StoredResponse {
  status: number;
  body: unknown;
}

export type IdempotentOutcome =
  | { kind: 'fresh'; response: StoredResponse }
  | { kind: 'replayed'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

const keyLifetimeHours = 24;
const waitForFirstMs = 10_000;

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** JSON with object keys sorted, so that the same body hashes the same however its keys were ordered. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Runs `run` once per (customer, key). The key is kept as its SHA-256 only: a caller may put anything in
 * it, a card number too, and it must not reach a row in clear.
 */
export async function runIdempotently(
  pool: Pool,
  request: { customerId: string; key: string; body: unknown },
  run: () => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  const scope = { customerId: request.customerId, key: createHash('sha256').update(request.key).digest('hex') };
  return runOnce(pool, scope, requestHash(request.body), run);
}

async function runOnce(
  pool: Pool,
  scope: { customerId: string; key: string },
  hash: string,
  run: () => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  const claimed = await pool.query(
    `INSERT INTO idempotency_keys (customer_id, idempotency_key, request_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4))
     ON CONFLICT (customer_id, idempotency_key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL,
           created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.expires_at <= now()
     RETURNING 1`,
    [scope.customerId, scope.key, hash, keyLifetimeHours],
  );
  if (claimed.rowCount === 1) {
    let response: StoredResponse;
    try {
      response = await run();
    } catch (error) {
      await release(pool, scope);
      throw error;
    }
    // Server errors are not kept: the client's retry should run again.
    if (response.status >= 500) await release(pool, scope);
    else {
      await pool.query(
        `UPDATE idempotency_keys SET response_status = $3, response_body = $4
         WHERE customer_id = $1 AND idempotency_key = $2`,
        [scope.customerId, scope.key, response.status, JSON.stringify(response.body)],
      );
    }
    return { kind: 'fresh', response };
  }

  const deadline = Date.now() + waitForFirstMs;
  for (;;) {
    const { rows } = await pool.query<{ request_hash: string; response_status: number | null; response_body: unknown }>(
      `SELECT request_hash, response_status, response_body FROM idempotency_keys
       WHERE customer_id = $1 AND idempotency_key = $2`,
      [scope.customerId, scope.key],
    );
    const row = rows[0];
    // Released by a failed first request: this one runs instead.
    if (!row) return runOnce(pool, scope, hash, run);
    if (row.request_hash !== hash) return { kind: 'mismatch' };
    if (row.response_status !== null) {
      return { kind: 'replayed', response: { status: row.response_status, body: row.response_body } };
    }
    if (Date.now() > deadline) return { kind: 'in-progress' };
    await sleep(100);
  }
}

async function release(pool: Pool, scope: { customerId: string; key: string }): Promise<void> {
  await pool.query(
    'DELETE FROM idempotency_keys WHERE customer_id = $1 AND idempotency_key = $2 AND response_status IS NULL',
    [scope.customerId, scope.key],
  );
}
