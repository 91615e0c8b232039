/**
 * The webhook deliveries of one ordering key (a token, an enrollment) to one subscription, in order: the
 * oldest pending event is delivered, retried with exponential backoff (up to 10 minutes apart) for three
 * days while its endpoint fails, before the next is sent. Idle, it waits a minute for a nudge (new events,
 * a replay), then ends; the dispatcher starts it again when its key has pending events. It continues as
 * new every 100 events so that its history stays small.
 */
import {
  ActivityFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks/webhook-activities.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import { webhookNudgeSignal } from '../domain/webhook-events.js';

export interface WebhookDeliveryInput {
  subscriptionId: string;
  orderingKey: string;
}

/** One workflow per (subscription, ordering key): what orders that key's events. */
export const webhookDeliveryWorkflowId = ({ subscriptionId, orderingKey }: WebhookDeliveryInput): string =>
  `webhook-delivery:${subscriptionId}:${orderingKey}`;

const { nextWebhookDelivery, abandonWebhookDelivery } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes },
});

/** An endpoint down for hours is retried until it recovers, no more often than every 10 minutes. */
const { deliverWebhookEvent } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes },
});

const idleWait = '1 minute';
const eventsPerRun = 100;

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<void> {
  let nudged = false;
  setHandler(webhookNudgeSignal, () => {
    nudged = true;
  });
  for (let delivered = 0; ;) {
    nudged = false;
    const next = await nextWebhookDelivery(input);
    if (!next) {
      if (await condition(() => nudged, idleWait)) continue;
      return;
    }
    try {
      const outcome = await deliverWebhookEvent({ subscriptionId: input.subscriptionId, eventSeq: next.eventSeq });
      if (outcome === 'SUBSCRIPTION_DISABLED') return;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      await abandonWebhookDelivery({ subscriptionId: input.subscriptionId, eventSeq: next.eventSeq });
    }
    delivered += 1;
    if (delivered >= eventsPerRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof webhookDeliveryWorkflow>(input);
    }
  }
}
