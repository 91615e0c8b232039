/**
 * The issuer's webhook subscriptions: where events go, which types, and the secrets that sign them. A
 * secret is 32 random bytes, shown to the operator once (at creation, at rotation) and never read back
 * through the API; a rotated-out secret keeps signing beside the new one until its overlap ends. Secrets
 * are stored sealed (webhook-secret-seal.ts): this module keeps the sealed bytes and the id of their key.
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

/** A secret as stored: sealed under the key `keyId`, or in clear when `keyId` is null (stored before sealing). */
export interface StoredSecret {
  bytes: Buffer;
  keyId: string | null;
}

/** A secret sealed for storage. */
export interface SealedSecret {
  bytes: Buffer;
  keyId: string;
}

/** A subscription with its secrets: for the delivery that signs, never for an answer. */
export interface SigningSubscription extends WebhookSubscription {
  secrets: StoredSecret[];
}

interface SubscriptionRow {
  subscription_id: string;
  url: string;
  event_types: WebhookEventType[];
  description: string | null;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  secret: Buffer;
  secret_key_id: string | null;
  previous_secret: Buffer | null;
  previous_secret_key_id: string | null;
  previous_secret_expires_at: Date | null;
  previous_valid: boolean;
  created_by: string;
  created_at: Date;
}

const columns = `subscription_id, url, event_types, description, status, disabled_reason, secret, secret_key_id,
  previous_secret, previous_secret_key_id, previous_secret_expires_at, coalesce(previous_secret_expires_at > now(), false) AS previous_valid, created_by,
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
    secret: SealedSecret;
    createdBy: string;
  },
): Promise<WebhookSubscription> {
  const { rows } = await db.query<SubscriptionRow>(
    `INSERT INTO webhook_subscriptions (subscription_id, url, event_types, description, secret, secret_key_id,
       created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${columns}`,
    [
      subscription.subscriptionId,
      subscription.url,
      subscription.eventTypes,
      subscription.description ?? null,
      subscription.secret.bytes,
      subscription.secret.keyId,
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
  const secrets: StoredSecret[] = [
    { bytes: row.secret, keyId: row.secret_key_id },
    ...(row.previous_valid && row.previous_secret
      ? [{ bytes: row.previous_secret, keyId: row.previous_secret_key_id }]
      : []),
  ];
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
  secret: SealedSecret,
  overlapSeconds: number,
): Promise<WebhookSubscription | undefined> {
  const { rows } = await db.query<SubscriptionRow>(
    `UPDATE webhook_subscriptions
     SET previous_secret = secret, previous_secret_key_id = secret_key_id, secret = $2, secret_key_id = $4,
         updated_at = now(), previous_secret_expires_at = now() + make_interval(secs => $3)
     WHERE subscription_id = $1 RETURNING ${columns}`,
    [subscriptionId, secret.bytes, overlapSeconds, secret.keyId],
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

export interface ClearSecrets {
  subscriptionId: string;
  secret?: Buffer;
  previousSecret?: Buffer;
}

/**
 * Up to `limit` subscriptions holding a secret stored in clear (before sealing), with those secrets, their rows
 * locked until the transaction ends (`db` is in one); rows another transaction holds are skipped.
 */
export async function lockClearSecrets(db: Queryable, limit: number): Promise<ClearSecrets[]> {
  const { rows } = await db.query<
    Pick<SubscriptionRow, 'subscription_id' | 'secret' | 'secret_key_id' | 'previous_secret' | 'previous_secret_key_id'>
  >(
    `SELECT subscription_id, secret, secret_key_id, previous_secret, previous_secret_key_id
     FROM webhook_subscriptions
     WHERE secret_key_id IS NULL OR (previous_secret IS NOT NULL AND previous_secret_key_id IS NULL)
     ORDER BY subscription_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map((row) => ({
    subscriptionId: row.subscription_id,
    ...(row.secret_key_id === null && { secret: row.secret }),
    ...(row.previous_secret && row.previous_secret_key_id === null && { previousSecret: row.previous_secret }),
  }));
}

/** Stores the sealed forms of secrets lockClearSecrets gave, in the same transaction. */
export async function storeSealedSecrets(
  db: Queryable,
  subscriptionId: string,
  sealed: { secret?: SealedSecret; previousSecret?: SealedSecret },
): Promise<void> {
  await db.query(
    `UPDATE webhook_subscriptions SET
       secret = coalesce($2, secret), secret_key_id = coalesce($3, secret_key_id),
       previous_secret = coalesce($4, previous_secret), previous_secret_key_id = coalesce($5, previous_secret_key_id)
     WHERE subscription_id = $1`,
    [
      subscriptionId,
      sealed.secret?.bytes ?? null,
      sealed.secret?.keyId ?? null,
      sealed.previousSecret?.bytes ?? null,
      sealed.previousSecret?.keyId ?? null,
    ],
  );
}
