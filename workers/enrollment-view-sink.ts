/**
 * The worker's side of the enrollment view projection (workflows/enrollment/view-projection.ts): each view
 * a workflow hands over is written to PostgreSQL before its workflow task completes. A write is tried three
 * times; one that still fails is logged and counted, and the enrollment's next change writes it whole again
 * (the API then reads the one before, never one newer than the workflow has).
 */
import type { InjectedSinks } from '@temporalio/worker';
import { Runtime } from '@temporalio/worker';
import type { Pool } from 'pg';
import { recordEnrollmentView } from '../db/enrollment-views.js';
import type { EnrollmentViewSinks } from '../workflows/enrollment/view-projection.js';

const attempts = 3;

export function enrollmentViewSinks(pool: Pool | undefined): InjectedSinks<EnrollmentViewSinks> {
  return {
    enrollmentViews: {
      record: {
        // Tests without a database (their workflows are queried) record nothing.
        fn: async (info, view, version) => {
          if (!pool) return;
          for (let attempt = 1; ; attempt += 1) {
            try {
              await recordEnrollmentView(pool, info.workflowId, version, view);
              return;
            } catch (error) {
              if (attempt >= attempts) {
                Runtime.instance()
                  .metricMeter.createCounter(
                    'pushprov_enrollment_view_write_failures',
                    'write',
                    'Enrollment views not written to PostgreSQL',
                  )
                  .add(1);
                Runtime.instance().logger.error('The enrollment view could not be written', {
                  workflowId: info.workflowId,
                  error: error instanceof Error ? error.message : String(error),
                });
                return;
              }
              await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
            }
          }
        },
        callDuringReplay: false,
      },
    },
  };
}
