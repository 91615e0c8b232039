/**
 * The webhook outbox: what a producer calls to tell the issuer's systems something happened. One row per
 * event, written with the producer's own statements (pass the client of its transaction, and the event is
 * published if and only if the change is committed); the dispatcher fans it out to the subscriptions.
 * Never card data: data holding a card number is refused before anything is written.
 */
import { maskCardNumbers } from '../domain/caller-text.js';
import { newIdentifier } from '../domain/identifiers.js';
import { webhookEventTypes, type WebhookEventType } from '../domain/webhook-events.js';
import type { Queryable } from './queryable.js';

export interface PublishedEvent {
  type: WebhookEventType;
  /** Events of one key are delivered in the order they were published: `token:<network>:<tur>`, `enrollment:<id>`. */
  orderingKey: string;
  data: Record<string, unknown>;
  occurredAt?: Date;
  /** For a producer that may publish the same event again (a retried activity): the event is published once. */
  dedupeKey?: string;
}

export class CardDataInEvent extends Error {
  override name = 'CardDataInEvent';
}

/**
 * Whether the data holds a card number written as one. The rule is the sandbox ledger's (a record that is
 * also a memory): digits glued to letters are an identifier's (a hex token reference holds a Luhn-valid run
 * a few times in a thousand), never altered nor refused; a card number in a value or a key is.
 */
function holdsCardNumber(data: Record<string, unknown>): boolean {
  return JSON.stringify(maskCardNumbers(data, { standaloneOnly: true })) !== JSON.stringify(data);
}

/** Publishes the event; returns its id (the one already published, for a dedupe key seen before). */
export async function publishEvent(db: Queryable, event: PublishedEvent): Promise<string> {
  if (!webhookEventTypes.includes(event.type)) throw new RangeError(`Unknown webhook event type ${event.type}`);
  if (holdsCardNumber(event.data) || holdsCardNumber({ [event.orderingKey]: null })) {
    // Neither the data nor the key is quoted: that is what must not travel.
    throw new CardDataInEvent(`A ${event.type} event holding a card number was refused`);
  }
  const { rows } = await db.query<{ event_id: string }>(
    `WITH inserted AS (
       INSERT INTO webhook_events (event_id, dedupe_key, type, ordering_key, data, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING RETURNING event_id)
     SELECT event_id FROM inserted UNION ALL SELECT event_id FROM webhook_events WHERE dedupe_key = $2`,
    [
      newIdentifier(),
      event.dedupeKey ?? null,
      event.type,
      event.orderingKey,
      JSON.stringify(event.data),
      event.occurredAt ?? new Date(),
    ],
  );
  return rows[0]!.event_id;
}

export interface StoredEvent {
  eventSeq: string;
  eventId: string;
  type: WebhookEventType;
  orderingKey: string;
  data: Record<string, unknown>;
  occurredAt: Date;
  publishedAt: Date;
}

/** An event by its id. */
export async function eventById(db: Queryable, eventId: string): Promise<StoredEvent | undefined> {
  const { rows } = await db.query<EventRow>(`SELECT ${eventColumns} FROM webhook_events WHERE event_id = $1`, [
    eventId,
  ]);
  return rows[0] && storedEvent(rows[0]);
}

export const eventColumns = 'event_seq, event_id, type, ordering_key, data, occurred_at, published_at';

export interface EventRow {
  event_seq: string;
  event_id: string;
  type: WebhookEventType;
  ordering_key: string;
  data: Record<string, unknown>;
  occurred_at: Date;
  published_at: Date;
}

export const storedEvent = (row: EventRow): StoredEvent => ({
  eventSeq: row.event_seq,
  eventId: row.event_id,
  type: row.type,
  orderingKey: row.ordering_key,
  data: row.data,
  occurredAt: row.occurred_at,
  publishedAt: row.published_at,
});
