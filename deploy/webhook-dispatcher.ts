/**
 * The webhook dispatcher's one workflow, started once per namespace (npm start, deploy:setup) and left
 * running: it continues as new by itself. Started again when it is not running (after a terminate).
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { webhookDispatcherId, webhookDispatchWorkflow } from '../workflows/webhook-dispatch.js';

/** Starts the dispatcher unless it runs; true when it was started now. */
export async function ensureWebhookDispatcher(client: Client, taskQueue: string): Promise<boolean> {
  try {
    await client.workflow.start(webhookDispatchWorkflow, {
      workflowId: webhookDispatcherId,
      taskQueue,
      args: [{}],
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: 'Fans webhook events out to the subscriptions and starts their deliveries',
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
