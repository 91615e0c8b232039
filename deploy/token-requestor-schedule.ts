/**
 * The Temporal Schedule that refreshes the cached token requestors every 14 days; created once per
 * namespace (npm start, deploy:setup), and triggered on demand with `npm run token-requestors:refresh`.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { refreshTokenRequestorsWorkflow } from '../workflows/token-requestor-refresh.js';

export const tokenRequestorScheduleId = 'token-requestor-refresh';

/** Creates the schedule if it does not exist yet; true when it was created now. */
export async function ensureTokenRequestorSchedule(client: Client, taskQueue: string): Promise<boolean> {
  try {
    await client.schedule.create({
      scheduleId: tokenRequestorScheduleId,
      spec: { intervals: [{ every: '14 days' }] },
      action: {
        type: 'startWorkflow',
        workflowType: refreshTokenRequestorsWorkflow,
        workflowId: tokenRequestorScheduleId,
        taskQueue,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      // The first refresh happens now, not in two weeks.
      state: { triggerImmediately: true, note: 'Refreshes the token requestors and their logos from MDES and VTS' },
    });
    return true;
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return false;
    throw error;
  }
}

/** Runs the refresh now, outside the schedule's rhythm. */
export async function triggerTokenRequestorRefresh(client: Client): Promise<void> {
  await client.schedule.getHandle(tokenRequestorScheduleId).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
}
