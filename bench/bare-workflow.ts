/**
 * The floor Temporal itself sets: a workflow with as many activity round trips as an enrollment (regular
 * and local), each doing nothing. Run by the bench's own worker on a task queue of its own.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

export interface NothingActivities {
  nothing(): Promise<void>;
}

const { nothing } = proxyActivities<NothingActivities>({ startToCloseTimeout: '10 seconds' });
const { nothing: nothingLocally } = proxyLocalActivities<NothingActivities>({ startToCloseTimeout: '10 seconds' });

export async function bareWorkflow(activities: number, localActivities: number): Promise<void> {
  for (let round = 0; round < Math.max(activities, localActivities); round += 1) {
    if (round < activities) await nothing();
    if (round < localActivities) await nothingLocally();
  }
}
