/** The demo notification channel: the one-time code messages a developer reads in the dev inbox. */
import type { Queryable } from './queryable.js';

export interface DevInboxMessage {
  message: string;
  sentAt: Date;
}

/**
 * Delivers the message for this send of this enrollment (its sequence), kept until it expires; delivering
 * the same send again (a retried activity) leaves the first message alone.
 */
export async function deliverToDevInbox(
  db: Queryable,
  delivery: {
    customerId: string;
    channel: string;
    enrollmentId: string;
    sequence: number;
    message: string;
    validityMinutes: number;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO dev_inbox (customer_id, channel, enrollment_id, sequence, message, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6))
     ON CONFLICT (enrollment_id, sequence) DO NOTHING`,
    [
      delivery.customerId,
      delivery.channel,
      delivery.enrollmentId,
      delivery.sequence,
      delivery.message,
      delivery.validityMinutes,
    ],
  );
}

/** The customer's latest messages, newest first. */
export async function latestDevInboxMessages(
  db: Queryable,
  customerId: string,
  limit = 20,
): Promise<DevInboxMessage[]> {
  const { rows } = await db.query<{ message: string; created_at: Date }>(
    'SELECT message, created_at FROM dev_inbox WHERE customer_id = $1 ORDER BY id DESC LIMIT $2',
    [customerId, limit],
  );
  return rows.map((row) => ({ message: row.message, sentAt: row.created_at }));
}
