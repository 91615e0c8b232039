/**
 * The issuer's webhook subscriptions: where events go, which types, and the secrets that sign them. A
 * secret is 32 random bytes, shown to the operator once (at creation, at rotation) and never read back
 * through the API; a rotated-out secret keeps signing beside the new one until its overlap ends.
 */
import type { WebhookEventType } from '../domain/webhook-events.js';
import type { Queryable } from './queryable.js';

export type SubscriptionStatus = 'ACTIVE' | 'DISABLED';

export interface WebhookSubscription {
  subscriptionId: string;
  url: string;
  /** Empty: every type. */
  eventTypes: WebhookEventType[];
  description?: string;
  status: SubscriptionStatus;
  disabledReason?: string;
  /** Until when the previous secret still signs, while it does. */
  previousSecretExpiresAt?: Date;
  createdBy: string;
  createdAt: Date;
}

/** A subscription with its secrets: for the delivery that signs, never for an answer. */
export interface SigningSubscription extends WebhookSubscription {
  secrets: Buffer[];
}

interface SubscriptionRow {
  subscription_id: string;
  url: string;
  event_types: WebhookEventType[];
  description: string | null;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  secret: Buffer;
  previous_secret: Buffer | null;
  previous_secret_expires_at: Date | null;
  previous_valid: boolean;
  created_by: string;
  created_at: Date;
}

const columns = `subscription_id, url, event_types, description, status, disabled_reason, secret, previous_secret,
  previous_secret_expires_at, coalesce(previous_secret_expires_at > now(), false) AS previous_valid, created_by,
  created_at`;

function subscriptionOf(row: SubscriptionRow): WebhookSubscription {
  return {
    subscriptionId: row.subscription_id,
    url: row.url,
    eventTypes: row.event_types,
    ...(row.description !== null && { description: row.description }),
    status: row.status,
    ...(row.disabled_reason !== null && { disabledReason: row.disabled_reason }),
    ...(row.previous_valid &&
      row.previous_secret_expires_at && { previousSecretExpiresAt: row.previous_secret_expires_at }),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export async function createSubscription(
  db: Queryable,
  subscription: {
    subscriptionId: string;
    url: string;
    eventTypes: WebhookEventType[];
    description?: string;
    secret: Buffer;
    createdBy: string;
  },
): Promise<WebhookSubscription> {
  const { rows } = await db.query<SubscriptionRow>(
    `INSERT INTO webhook_subscriptions (subscription_id, url, event_types, description, secret, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
    [
      subscription.subscriptionId,
      subscription.url,
      subscription.eventTypes,
      subscription.description ?? null,
      subscription.secret,
      subscription.createdBy,
    ],
  );
  return subscriptionOf(rows[0]!);
}

/** Newest first. */
export async function subscriptions(db: Queryable): Promise<WebhookSubscription[]> {
  const { rows } = await db.query<SubscriptionRow>(
    `SELECT ${columns} FROM webhook_subscriptions ORDER BY created_at DESC, subscription_id LIMIT 1000`,
  );
  return rows.map(subscriptionOf);
}

export async function subscriptionById(
  db: Queryable,
  subscriptionId: string,
): Promise<WebhookSubscription | undefined> {
  const row = await subscriptionRow(db, subscriptionId);
  return row && subscriptionOf(row);
}

/** The subscription with the secrets that sign now: the current one first, the previous one during its overlap. */
export async function signingSubscription(
  db: Queryable,
  subscriptionId: string,
): Promise<SigningSubscription | undefined> {
  const row = await subscriptionRow(db, subscriptionId);
  if (!row) return undefined;
  const secrets = [row.secret, ...(row.previous_valid && row.previous_secret ? [row.previous_secret] : [])];
  return { ...subscriptionOf(row), secrets };
}

async function subscriptionRow(db: Queryable, subscriptionId: string): Promise<SubscriptionRow | undefined> {
  const { rows } = await db.query<SubscriptionRow>(
    `SELECT ${columns} FROM webhook_subscriptions WHERE subscription_id = $1`,
    [subscriptionId],
  );
  return rows[0];
}

/** A new secret signs from now on; the current one keeps signing beside it for `overlapSeconds`. */
export async function rotateSecret(
  db: Queryable,
  subscriptionId: string,
  secret: Buffer,
  overlapSeconds: number,
): Promise<WebhookSubscription | undefined> {
  const { rows } = await db.query<SubscriptionRow>(
    `UPDATE webhook_subscriptions
     SET previous_secret = secret, secret = $2, updated_at = now(),
         previous_secret_expires_at = now() + make_interval(secs => $3)
     WHERE subscription_id = $1 RETURNING ${columns}`,
    [subscriptionId, secret, overlapSeconds],
  );
  return rows[0] && subscriptionOf(rows[0]);
}

/** No more events go to it; its deliveries under way stop at their next attempt. */
export async function disableSubscription(
  db: Queryable,
  subscriptionId: string,
  reason: string,
): Promise<WebhookSubscription | undefined> {
  const { rows } = await db.query<SubscriptionRow>(
    `UPDATE webhook_subscriptions
     SET status = 'DISABLED', disabled_reason = coalesce(disabled_reason, $2), updated_at = now()
     WHERE subscription_id = $1 RETURNING ${columns}`,
    [subscriptionId, reason],
  );
  return rows[0] && subscriptionOf(rows[0]);
}
