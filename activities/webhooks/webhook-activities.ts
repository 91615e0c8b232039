/**
 * The activities behind webhook deliveries: the dispatcher's fan-out (events to deliveries, and the keys
 * whose workflow to start), the head of a key's queue, and one delivery attempt: the event POSTed, signed,
 * to the subscription's URL within a timeout, logged, settled on 2xx. An endpoint that answers 410 Gone
 * disables its subscription; anything else is a failure Temporal retries with backoff.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import {
  beginAttempt,
  fanOutEvents,
  keysToNudge,
  markNudged,
  nextPendingDelivery,
  recordAttempt,
  settleDelivery,
  type DeliveryKey,
} from '../../db/webhook-deliveries.js';
import { disableSubscription, signingSubscription } from '../../db/webhook-subscriptions.js';
import { ErrorType } from '../../domain/errors.js';
import { webhookHeaders, type WebhookEventBody } from '../../domain/webhook-events.js';
import { openWebhookSecret, type WebhookSecretKeys } from './webhook-secret-seal.js';
import { signWebhook, webhookSecretText } from './webhook-signature.js';
import { tracedFetch } from '../../observability/http-client-spans.js';

export type DeliveryOutcome = 'DELIVERED' | 'NOT_PENDING' | 'SUBSCRIPTION_DISABLED';

export interface WebhookActivities {
  /** Fans out the events not fanned out yet; returns the keys whose delivery workflow to start or nudge. */
  dispatchWebhookEvents(input: {
    renudgeSeconds: number;
    limit: number;
  }): Promise<{ fanned: number; keys: DeliveryKey[] }>;
  markWebhookKeysNudged(input: { keys: DeliveryKey[] }): Promise<void>;
  nextWebhookDelivery(input: DeliveryKey): Promise<{ eventSeq: string } | undefined>;
  deliverWebhookEvent(input: { subscriptionId: string; eventSeq: string }): Promise<DeliveryOutcome>;
  /** Given up after days of failures: the delivery leaves the key's queue, its attempts stay in the log. */
  abandonWebhookDelivery(input: { subscriptionId: string; eventSeq: string }): Promise<void>;
}

export interface WebhookActivityDeps {
  pool: Pool;
  /** The keys the signing secrets are sealed under (the vault's encryption keys). */
  secretKeys: WebhookSecretKeys;
  /** How long an endpoint has to answer (10 s by default). */
  timeoutMs?: number;
}

export function createWebhookActivities(deps: WebhookActivityDeps): WebhookActivities {
  const { pool } = deps;
  return {
    async dispatchWebhookEvents({ renudgeSeconds, limit }) {
      const fanned = await fanOutEvents(pool, limit);
      return { fanned, keys: await keysToNudge(pool, renudgeSeconds, limit) };
    },
    markWebhookKeysNudged: ({ keys }) => markNudged(pool, keys),
    nextWebhookDelivery: (key) => nextPendingDelivery(pool, key),
    abandonWebhookDelivery: ({ subscriptionId, eventSeq }) =>
      settleDelivery(pool, subscriptionId, eventSeq, 'ABANDONED'),

    async deliverWebhookEvent({ subscriptionId, eventSeq }) {
      const subscription = await signingSubscription(pool, subscriptionId);
      if (!subscription || subscription.status !== 'ACTIVE') return 'SUBSCRIPTION_DISABLED';
      // Opened before the attempt begins: a secret this process cannot open fails the activity, which is
      // tried again, and records no attempt.
      const secrets = await Promise.all(
        subscription.secrets.map((stored) => openWebhookSecret(deps.secretKeys, subscriptionId, stored)),
      );
      const begun = await beginAttempt(pool, subscriptionId, eventSeq);
      if (!begun) return 'NOT_PENDING';
      const { attempt, event } = begun;
      const body: WebhookEventBody = {
        id: event.eventId,
        type: event.type,
        occurredAt: event.occurredAt.toISOString(),
        data: event.data,
      };
      const text = JSON.stringify(body);
      const started = performance.now();
      const answer = await post(
        subscription.url,
        text,
        {
          'content-type': 'application/json',
          'user-agent': 'pushprov-webhooks/1',
          [webhookHeaders.signature]: signWebhook(text, secrets.map(webhookSecretText)),
          [webhookHeaders.eventId]: event.eventId,
          [webhookHeaders.eventType]: event.type,
        },
        deps.timeoutMs ?? 10_000,
      );
      const durationMs = Math.round(performance.now() - started);
      await recordAttempt(pool, subscriptionId, eventSeq, { attempt, durationMs, ...answer });
      if (answer.statusCode !== undefined && answer.statusCode >= 200 && answer.statusCode < 300) {
        await settleDelivery(pool, subscriptionId, eventSeq, 'DELIVERED');
        return 'DELIVERED';
      }
      if (answer.statusCode === 410) {
        await disableSubscription(pool, subscriptionId, 'The endpoint answered 410 Gone');
        return 'SUBSCRIPTION_DISABLED';
      }
      throw ApplicationFailure.retryable(
        `The webhook endpoint ${answer.statusCode === undefined ? `failed: ${answer.error}` : `answered ${answer.statusCode}`}`,
        ErrorType.WebhookEndpointFailed,
      );
    },
  };
}

/** One POST, never following redirects; its status code, or what kept it from having one (never the body). */
async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ statusCode?: number; error?: string }> {
  try {
    const response = await tracedFetch({ peer: 'webhook-endpoint', operation: 'deliverWebhookEvent' }, url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return { statusCode: response.status };
  } catch (error) {
    return { error: describeFailure(error, timeoutMs) };
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : 'the connection failed';
}
