/** The operator API's audit trail (append-only in the database): every operator action, who, when, what, why. */
import type { Queryable } from './queryable.js';

export interface AuditEntry {
  operatorId: string;
  role: string;
  action: string;
  target: string;
  reason?: string;
  details?: Record<string, unknown>;
  /** A writer that may retry (an activity) names the action once with this: a second write changes nothing. */
  idempotencyKey?: string;
}

export interface RecordedAuditEntry extends Omit<AuditEntry, 'idempotencyKey'> {
  id: string;
  at: Date;
}

export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO operator_audit (operator_id, role, action, target, reason, details, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING`,
    [
      entry.operatorId,
      entry.role,
      entry.action,
      entry.target,
      entry.reason ?? null,
      JSON.stringify(entry.details ?? {}),
      entry.idempotencyKey ?? null,
    ],
  );
}

/** The newest entries first, up to `limit`, before the entry `before` when given. */
export async function auditTrail(
  db: Queryable,
  page: { limit: number; before?: string },
): Promise<RecordedAuditEntry[]> {
  const { rows } = await db.query<{
    id: string;
    at: Date;
    operator_id: string;
    role: string;
    action: string;
    target: string;
    reason: string | null;
    details: Record<string, unknown>;
  }>(
    `SELECT id, at, operator_id, role, action, target, reason, details FROM operator_audit
     WHERE ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT $1`,
    [page.limit, page.before ?? null],
  );
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    operatorId: row.operator_id,
    role: row.role,
    action: row.action,
    target: row.target,
    ...(row.reason !== null && { reason: row.reason }),
    details: row.details,
  }));
}
