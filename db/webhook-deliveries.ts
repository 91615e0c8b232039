/**
 * Webhook deliveries: each event fanned out to the active subscriptions that take its type (one delivery
 * each, only for events published after the subscription was made), the ordering keys whose workflow the
 * dispatcher starts or nudges, the head of a key's queue, each attempt in the delivery log, and replays
 * (a delivery made pending again). A delivered event is never sent again unless replayed.
 */
import { eventColumns, storedEvent, type EventRow, type StoredEvent } from './webhook-events.js';
import type { Queryable } from './queryable.js';

export interface DeliveryKey {
  subscriptionId: string;
  orderingKey: string;
}

/**
 * Fans out up to `limit` events not fanned out yet, in order; returns how many. Events of a key are
 * fanned out in one batch or in order across batches, so a key's deliveries keep the events' order.
 */
export async function fanOutEvents(db: Queryable, limit: number): Promise<number> {
  const { rows } = await db.query<{ fanned: string }>(
    `WITH batch AS (
       SELECT event_seq, type, ordering_key, published_at FROM webhook_events
       WHERE fanned_out_at IS NULL ORDER BY event_seq LIMIT $1 FOR UPDATE SKIP LOCKED),
     deliveries AS (
       INSERT INTO webhook_deliveries (subscription_id, event_seq, ordering_key)
       SELECT s.subscription_id, b.event_seq, b.ordering_key FROM batch b JOIN webhook_subscriptions s
         ON s.status = 'ACTIVE' AND s.created_at <= b.published_at
        AND (cardinality(s.event_types) = 0 OR b.type = ANY (s.event_types))
       ON CONFLICT DO NOTHING),
     marked AS (UPDATE webhook_events SET fanned_out_at = now() WHERE event_seq IN (SELECT event_seq FROM batch))
     SELECT count(*) AS fanned FROM batch`,
    [limit],
  );
  return Number(rows[0]?.fanned ?? 0);
}

/**
 * Keys with pending deliveries whose workflow was never started or nudged for them, or not for
 * `renudgeSeconds` (a workflow lost to a bug or a reset is started again): at most `limit`.
 */
export async function keysToNudge(db: Queryable, renudgeSeconds: number, limit: number): Promise<DeliveryKey[]> {
  const { rows } = await db.query<{ subscription_id: string; ordering_key: string }>(
    `SELECT d.subscription_id, d.ordering_key FROM webhook_deliveries d
       JOIN webhook_subscriptions s ON s.subscription_id = d.subscription_id AND s.status = 'ACTIVE'
     WHERE d.status = 'PENDING' AND (d.nudged_at IS NULL OR d.nudged_at < now() - make_interval(secs => $1))
     GROUP BY d.subscription_id, d.ordering_key ORDER BY min(d.event_seq) LIMIT $2`,
    [renudgeSeconds, limit],
  );
  return rows.map((row) => ({ subscriptionId: row.subscription_id, orderingKey: row.ordering_key }));
}

export async function markNudged(db: Queryable, keys: DeliveryKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `UPDATE webhook_deliveries d SET nudged_at = now()
     FROM unnest($1::uuid[], $2::text[]) AS k(subscription_id, ordering_key)
     WHERE d.subscription_id = k.subscription_id AND d.ordering_key = k.ordering_key AND d.status = 'PENDING'`,
    [keys.map((key) => key.subscriptionId), keys.map((key) => key.orderingKey)],
  );
}

/** The oldest pending delivery of the key: what its workflow delivers next. */
export async function nextPendingDelivery(db: Queryable, key: DeliveryKey): Promise<{ eventSeq: string } | undefined> {
  const { rows } = await db.query<{ event_seq: string }>(
    `SELECT event_seq FROM webhook_deliveries
     WHERE subscription_id = $1 AND ordering_key = $2 AND status = 'PENDING' ORDER BY event_seq LIMIT 1`,
    [key.subscriptionId, key.orderingKey],
  );
  return rows[0] && { eventSeq: rows[0].event_seq };
}

/** A pending delivery's next attempt: its number and the event; none when it is no longer pending. */
export async function beginAttempt(
  db: Queryable,
  subscriptionId: string,
  eventSeq: string,
): Promise<{ attempt: number; event: StoredEvent } | undefined> {
  const { rows } = await db.query<EventRow & { attempts: number }>(
    `WITH counted AS (
       UPDATE webhook_deliveries SET attempts = attempts + 1
       WHERE subscription_id = $1 AND event_seq = $2 AND status = 'PENDING' RETURNING attempts)
     SELECT ${eventColumns}, counted.attempts FROM webhook_events, counted WHERE event_seq = $2`,
    [subscriptionId, eventSeq],
  );
  return rows[0] && { attempt: rows[0].attempts, event: storedEvent(rows[0]) };
}

export interface DeliveryAttempt {
  attempt: number;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

export async function recordAttempt(
  db: Queryable,
  subscriptionId: string,
  eventSeq: string,
  attempt: DeliveryAttempt,
): Promise<void> {
  await db.query(
    `INSERT INTO webhook_delivery_attempts (subscription_id, event_seq, attempt, status_code, error, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [subscriptionId, eventSeq, attempt.attempt, attempt.statusCode ?? null, attempt.error ?? null, attempt.durationMs],
  );
}

/** The delivery is over: its endpoint took it, or it was given up (its attempts stay in the log). */
export async function settleDelivery(
  db: Queryable,
  subscriptionId: string,
  eventSeq: string,
  status: 'DELIVERED' | 'ABANDONED',
): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = $3, delivered_at = CASE WHEN $3 = 'DELIVERED' THEN now() END
     WHERE subscription_id = $1 AND event_seq = $2 AND status = 'PENDING'`,
    [subscriptionId, eventSeq, status],
  );
}

export interface LoggedAttempt extends DeliveryAttempt {
  id: string;
  eventId: string;
  eventType: string;
  at: Date;
}

/** A subscription's delivery log, newest first, before the attempt `before` when given; one event's only when named. */
export async function deliveryLog(
  db: Queryable,
  subscriptionId: string,
  page: { limit: number; before?: string; eventId?: string },
): Promise<LoggedAttempt[]> {
  const { rows } = await db.query<{
    id: string;
    event_id: string;
    type: string;
    attempt: number;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
    attempted_at: Date;
  }>(
    `SELECT a.id, e.event_id, e.type, a.attempt, a.status_code, a.error, a.duration_ms, a.attempted_at
     FROM webhook_delivery_attempts a JOIN webhook_events e ON e.event_seq = a.event_seq
     WHERE a.subscription_id = $1 AND ($2::bigint IS NULL OR a.id < $2::bigint)
       AND ($3::uuid IS NULL OR e.event_id = $3::uuid)
     ORDER BY a.id DESC LIMIT $4`,
    [subscriptionId, page.before ?? null, page.eventId ?? null, page.limit],
  );
  return rows.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    eventType: row.type,
    attempt: row.attempt,
    ...(row.status_code !== null && { statusCode: row.status_code }),
    ...(row.error !== null && { error: row.error }),
    durationMs: row.duration_ms,
    at: row.attempted_at,
  }));
}

/**
 * Delivers the events again (one by id, or every one published since a time, up to `limit`), each that the
 * subscription takes: their deliveries pending again, delivered or not; returns how many.
 */
export async function replayEvents(
  db: Queryable,
  subscriptionId: string,
  which: { eventId: string } | { since: Date },
  limit: number,
): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO webhook_deliveries (subscription_id, event_seq, ordering_key)
     SELECT s.subscription_id, e.event_seq, e.ordering_key FROM webhook_events e JOIN webhook_subscriptions s
       ON s.subscription_id = $1 AND s.status = 'ACTIVE'
      AND (cardinality(s.event_types) = 0 OR e.type = ANY (s.event_types))
     WHERE ($2::uuid IS NULL OR e.event_id = $2::uuid) AND ($3::timestamptz IS NULL OR e.published_at >= $3)
     ORDER BY e.event_seq LIMIT $4
     ON CONFLICT (subscription_id, event_seq) DO UPDATE
       SET status = 'PENDING', nudged_at = NULL, delivered_at = NULL`,
    [subscriptionId, 'eventId' in which ? which.eventId : null, 'since' in which ? which.since : null, limit],
  );
  return rowCount ?? 0;
}
