/** Replay protection: each (scope, value) is accepted once until it expires, however many callers race. */
import type { Queryable } from './queryable.js';

export interface SingleUseValue {
  /** What the value belongs to, e.g. `auth-proof-jti` or `mdes-callback`. */
  scope: string;
  value: string;
  /** After this instant the value is forgotten (the token or event it came from is stale by then). */
  expiresAt: Date;
}

/**
 * True the first time a value is presented within its validity; false for every replay, and for a value
 * whose validity has already passed.
 */
export async function claimSingleUse(db: Queryable, { scope, value, expiresAt }: SingleUseValue): Promise<boolean> {
  const claimed = await db.query(
    `INSERT INTO single_use_values (scope, value, expires_at)
     SELECT $1, $2, $3 WHERE $3::timestamptz > now()
     ON CONFLICT (scope, value) DO UPDATE SET expires_at = EXCLUDED.expires_at
       WHERE single_use_values.expires_at <= now()
     RETURNING 1`,
    [scope, value, expiresAt],
  );
  return claimed.rowCount === 1;
}

/** Deletes the values whose validity has passed; returns how many. */
export async function purgeExpiredSingleUseValues(db: Queryable): Promise<number> {
  const purged = await db.query('DELETE FROM single_use_values WHERE expires_at <= now()');
  return purged.rowCount ?? 0;
}

/** The guard for one scope, as the verifiers take it: `claim(value, expiresAt)`. */
export function singleUseClaimer(db: Queryable, scope: string): (value: string, expiresAt: Date) => Promise<boolean> {
  return (value, expiresAt) => claimSingleUse(db, { scope, value, expiresAt });
}
