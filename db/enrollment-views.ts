/**
 * The enrollments' views as their workflows record them (see workflows/enrollment/view-projection.ts):
 * the consumer's reads and the networks' callbacks answer from here, at the cost of one indexed read.
 */
import type { EnrollmentView } from '../domain/enrollment.js';
import type { Queryable } from './queryable.js';

/** Keeps the view of a workflow task unless a later task's is kept already. */
export async function recordEnrollmentView(
  db: Queryable,
  enrollmentId: string,
  version: number,
  view: EnrollmentView,
): Promise<void> {
  await db.query(
    `INSERT INTO enrollment_views (enrollment_id, version, view) VALUES ($1, $2, $3)
     ON CONFLICT (enrollment_id) DO UPDATE SET version = EXCLUDED.version, view = EXCLUDED.view, updated_at = now()
       WHERE enrollment_views.version <= EXCLUDED.version`,
    [enrollmentId, version, JSON.stringify(view)],
  );
}

/**
 * The caller's enrollment: absent when it is not theirs (or does not exist); `view` absent while the
 * workflow has recorded none yet (just started, or started before views were kept).
 */
export async function ownEnrollmentView(
  db: Queryable,
  enrollmentId: string,
  customerId: string,
): Promise<{ view?: EnrollmentView } | undefined> {
  const { rows } = await db.query<{ view: EnrollmentView | null }>(
    `SELECT v.view FROM enrollments e LEFT JOIN enrollment_views v USING (enrollment_id)
      WHERE e.enrollment_id = $1 AND e.customer_id = $2`,
    [enrollmentId, customerId],
  );
  if (rows.length === 0) return undefined;
  return rows[0]!.view ? { view: rows[0]!.view } : {};
}

/** The enrollment's recorded view, whoever's it is (the networks' callbacks). */
export async function enrollmentViewOf(db: Queryable, enrollmentId: string): Promise<EnrollmentView | undefined> {
  const { rows } = await db.query<{ view: EnrollmentView }>(
    'SELECT view FROM enrollment_views WHERE enrollment_id = $1',
    [enrollmentId],
  );
  return rows[0]?.view;
}
