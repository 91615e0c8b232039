/**
 * The `enrollment.status_changed` webhook event, published by the enrollment's activities where they
 * already write (the push's receipts): the cards pushed and awaiting the token requestor, or all declined;
 * and by its last step, once, how it ended (completed, expired, cancelled, failed...).
 * The tokens the token requestor then makes follow as `token.status_changed` (naming the enrollment).
 */
import type { CardNetwork, EnrollmentStatus } from '../domain/enrollment.js';
import { enrollmentOrderingKey } from '../domain/webhook-events.js';
import type { Queryable } from './queryable.js';
import { publishEvent } from './webhook-events.js';

export interface EnrollmentStatusChange {
  enrollmentId: string;
  customerId: string;
  network: CardNetwork;
  tokenRequestorId: string;
  status: EnrollmentStatus;
  /** The push this status comes from (a fresh push is the second). */
  attempt: number;
  cards: { cardRef: string; pushed: boolean }[];
}

/** Published once per enrollment, status and attempt, however often the activity runs. */
export async function publishEnrollmentStatus(db: Queryable, change: EnrollmentStatusChange): Promise<string> {
  return publishEvent(db, {
    type: 'enrollment.status_changed',
    orderingKey: enrollmentOrderingKey(change.enrollmentId),
    dedupeKey: `enrollment:${change.enrollmentId}:${change.attempt}:${change.status}`,
    data: { ...change },
  });
}

/** How an enrollment ended, as its last step publishes it. */
export interface EnrollmentOutcome {
  enrollmentId: string;
  customerId: string;
  tokenRequestorId: string;
  status: EnrollmentStatus;
  reason?: string;
  /** Each card's end: its state and, when the token requestor made one, its token. */
  cards: { cardRef: string; state: string; tokenUniqueReference?: string }[];
}

/** Published once per enrollment however often its last step runs. */
export function publishEnrollmentOutcome(db: Queryable, outcome: EnrollmentOutcome): Promise<string> {
  return publishEvent(db, {
    type: 'enrollment.status_changed',
    orderingKey: enrollmentOrderingKey(outcome.enrollmentId),
    dedupeKey: `enrollment:${outcome.enrollmentId}:end`,
    data: { ...outcome, ended: true },
  });
}
