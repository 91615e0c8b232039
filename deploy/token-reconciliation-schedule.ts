/**
 * The Temporal Schedule that reconciles the token inventory with the networks once a day; created once per
 * namespace (npm start, deploy:setup). Its runs are workflows `token-reconciliation-<time>`; an admin starts
 * one now through the operator API (POST /operator/v1/reconciliations).
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { reconciliationWorkflowIdPrefix } from '../domain/token-reconciliation.js';
import { tokenReconciliationWorkflow, type TokenReconciliationInput } from '../workflows/token-reconciliation.js';

export const tokenReconciliationScheduleId = reconciliationWorkflowIdPrefix;

/** Creates the schedule if it does not exist yet; true when it was created now. */
export async function ensureTokenReconciliationSchedule(client: Client, taskQueue: string): Promise<boolean> {
  const input: TokenReconciliationInput = { requestedBy: 'schedule' };
  try {
    await client.schedule.create({
      scheduleId: tokenReconciliationScheduleId,
      // At night, when the networks' quotas are least used by provisioning.
      spec: { calendars: [{ hour: 3, minute: 30 }] },
      action: {
        type: 'startWorkflow',
        workflowType: tokenReconciliationWorkflow,
        workflowId: reconciliationWorkflowIdPrefix,
        args: [input],
        taskQueue,
        staticSummary: 'Token reconciliation with the networks, by the schedule',
      },
      // A run still paging through a large inventory is not joined by the next day's.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      state: { note: "Compares the token inventory with MDES's and VTS's view; reports and repairs drift" },
    });
    return true;
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return false;
    throw error;
  }
}
