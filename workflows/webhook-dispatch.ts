/**
 * The webhook dispatcher, one long-running workflow (deploy/webhook-dispatcher.ts starts it): every few
 * seconds it fans the events published since out to the subscriptions, then starts the delivery workflow
 * of each ordering key with pending deliveries, or nudges the one already running. Producers only write
 * the outbox (in their own transaction), so an event whose producer crashed right after is delivered all
 * the same. A key nudged long ago and still pending is nudged again (its workflow started again if it was
 * lost). It continues as new when its history grows.
 */
import {
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WebhookActivities } from '../activities/webhooks/webhook-activities.js';
import type { DeliveryKey } from '../db/webhook-deliveries.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import { webhookNudgeSignal } from '../domain/webhook-events.js';
import { webhookDeliveryWorkflow, webhookDeliveryWorkflowId } from './webhook-delivery.js';

export interface WebhookDispatchInput {
  /** How often new events are looked for (5 s by default). */
  pollSeconds?: number;
}

export const webhookDispatcherId = 'webhook-dispatcher';

const { dispatchWebhookEvents, markWebhookKeysNudged } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes },
});

const batch = 200;
const renudgeSeconds = 15 * 60;
const ticksPerRun = 500;

export async function webhookDispatchWorkflow(input: WebhookDispatchInput = {}): Promise<void> {
  for (let tick = 0; tick < ticksPerRun && !workflowInfo().continueAsNewSuggested; tick += 1) {
    const { fanned, keys } = await dispatchWebhookEvents({ renudgeSeconds, limit: batch });
    const reached = (await Promise.all(keys.map(startOrNudge))).filter((key): key is DeliveryKey => key !== undefined);
    if (reached.length > 0) await markWebhookKeysNudged({ keys: reached });
    // A full batch: more are waiting, no pause.
    if (fanned < batch && keys.length < batch) await sleep(`${input.pollSeconds ?? 5} seconds`);
  }
  await continueAsNew<typeof webhookDispatchWorkflow>(input);
}

/** The key's workflow started, or nudged when it runs; the key when it was reached (else it is tried again). */
async function startOrNudge(key: DeliveryKey): Promise<DeliveryKey | undefined> {
  const workflowId = webhookDeliveryWorkflowId(key);
  try {
    await startChild(webhookDeliveryWorkflow, {
      workflowId,
      args: [key],
      // Each key's deliveries go on whatever becomes of the dispatcher's run.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return key;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  try {
    await getExternalWorkflowHandle(workflowId).signal(webhookNudgeSignal);
    return key;
  } catch {
    // It ended between the two: started again at the next tick.
    return undefined;
  }
}
