/**
 * Idempotency keys with Stripe's semantics, kept in PostgreSQL: the first request with a key runs and its
 * response is stored; the same key with the same body replays that response; with another body it is
 * refused (422); a duplicate arriving while the first is still running waits for its response. A request
 * that fails without a response to keep releases its key, so that a retry runs again.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  claimIdempotencyKey,
  idempotencyKeyState,
  keepIdempotentResponse,
  releaseIdempotencyKey,
  type IdempotencyScope,
  type KeptResponse,
} from '../db/idempotency-keys.js';
import type { Queryable } from '../db/queryable.js';

export type IdempotentOutcome =
  | { kind: 'fresh'; response: KeptResponse }
  | { kind: 'replayed'; response: KeptResponse }
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
  db: Queryable,
  request: { customerId: string; key: string; body: unknown },
  run: () => Promise<KeptResponse>,
): Promise<IdempotentOutcome> {
  const scope = { customerId: request.customerId, keyDigest: createHash('sha256').update(request.key).digest('hex') };
  return runOnce(db, scope, requestHash(request.body), run);
}

async function runOnce(
  db: Queryable,
  scope: IdempotencyScope,
  hash: string,
  run: () => Promise<KeptResponse>,
): Promise<IdempotentOutcome> {
  if (await claimIdempotencyKey(db, scope, hash, keyLifetimeHours)) {
    let response: KeptResponse;
    try {
      response = await run();
    } catch (error) {
      await releaseIdempotencyKey(db, scope);
      throw error;
    }
    // Server errors are not kept: the client's retry should run again.
    if (response.status >= 500) await releaseIdempotencyKey(db, scope);
    else await keepIdempotentResponse(db, scope, response);
    return { kind: 'fresh', response };
  }

  const deadline = Date.now() + waitForFirstMs;
  for (;;) {
    const held = await idempotencyKeyState(db, scope);
    // Released by a failed first request: this one runs instead.
    if (!held) return runOnce(db, scope, hash, run);
    if (held.requestHash !== hash) return { kind: 'mismatch' };
    if (held.response) return { kind: 'replayed', response: held.response };
    if (Date.now() > deadline) return { kind: 'in-progress' };
    await sleep(100);
  }
}
