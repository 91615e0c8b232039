/**
 * The events the engine tells the issuer's systems about (webhooks): their types, the headers a delivery
 * carries, and the signal that wakes an ordering key's delivery workflow. Shared by the producers, the
 * delivery workflow, the operator API and the tests.
 */
import { defineSignal } from '@temporalio/workflow';

export const webhookEventTypes = [
  /** An enrollment reached a notable status (its cards pushed and awaiting the token requestor, declined...). */
  'enrollment.status_changed',
  /** A token of the inventory took another status (added, activated, suspended, resumed, deleted). */
  'token.status_changed',
  /** The issuer decided a tokenisation the network asked about (GREEN, YELLOW, RED) and why. */
  'tokenisation.decided',
  /** A YELLOW token's activation moved (code sent, activated, failed). */
  'token.activation_changed',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** The ordering key of a token's events: its events are delivered in the order they were published. */
export const tokenOrderingKey = (network: string, tokenUniqueReference: string): string =>
  `token:${network}:${tokenUniqueReference}`;

/** The ordering key of an enrollment's events. */
export const enrollmentOrderingKey = (enrollmentId: string): string => `enrollment:${enrollmentId}`;

/** What a delivery's body is: the same for every attempt and every replay of the event. */
export interface WebhookEventBody {
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  data: Record<string, unknown>;
}

export const webhookHeaders = {
  signature: 'pushprov-signature',
  eventId: 'pushprov-event-id',
  eventType: 'pushprov-event-type',
} as const;

/** How long a rotated-out secret still signs, unless the operator says otherwise. */
export const defaultSecretOverlapHours = 24;

/** New events for this ordering key (or a replay): the delivery workflow looks again. */
export const webhookNudgeSignal = defineSignal('webhookNudge');
