/** Which customer each enrollment belongs to: every API call that names an enrollment checks it here. */
import type { Queryable } from './queryable.js';

/** Records whose enrollment this is; recording it again (a duplicate start) changes nothing. */
export async function recordEnrollment(
  db: Queryable,
  enrollment: { enrollmentId: string; customerId: string; requestId: string },
): Promise<void> {
  await db.query(
    'INSERT INTO enrollments (enrollment_id, customer_id, request_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [enrollment.enrollmentId, enrollment.customerId, enrollment.requestId],
  );
}

/** True when the enrollment exists and is this customer's. */
export async function isEnrollmentOf(db: Queryable, enrollmentId: string, customerId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM enrollments WHERE enrollment_id = $1 AND customer_id = $2', [
    enrollmentId,
    customerId,
  ]);
  return rows.length > 0;
}
