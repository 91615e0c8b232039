/** Which customer each enrollment belongs to: every API call that names an enrollment checks it here. */
import type { Queryable } from './queryable.js';

/** Records whose enrollment this is; recording it again (a duplicate start) changes nothing. */
export async function recordEnrollment(
  db: Queryable,
  enrollment: { enrollmentId: string; customerId: string; requestId: string; traceParent?: string },
): Promise<void> {
  await db.query(
    `INSERT INTO enrollments (enrollment_id, customer_id, request_id, trace_parent) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [enrollment.enrollmentId, enrollment.customerId, enrollment.requestId, enrollment.traceParent ?? null],
  );
}

/**
 * The traceparent of the span that started the enrollment (kept when tracing was on), for later requests to
 * join; with `customerId`, only when the enrollment is that customer's, so that a caller cannot add spans to
 * a trace not its own.
 */
export async function enrollmentTraceParent(
  db: Queryable,
  enrollmentId: string,
  customerId?: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ trace_parent: string | null }>(
    'SELECT trace_parent FROM enrollments WHERE enrollment_id = $1 AND ($2::text IS NULL OR customer_id = $2)',
    [enrollmentId, customerId ?? null],
  );
  return rows[0]?.trace_parent ?? undefined;
}

/** The trace a consumer's later request joins: its own enrollment's only. */
export const customersEnrollmentTrace =
  (db: Queryable) =>
  (enrollmentId: string, customerId: string): Promise<string | undefined> =>
    enrollmentTraceParent(db, enrollmentId, customerId);

/** True when the enrollment exists and is this customer's. */
export async function isEnrollmentOf(db: Queryable, enrollmentId: string, customerId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM enrollments WHERE enrollment_id = $1 AND customer_id = $2', [
    enrollmentId,
    customerId,
  ]);
  return rows.length > 0;
}
