/**
 * What the operator API's search reads: the token inventory and the enrollments, filtered by customer, card,
 * token requestor, status and network, a page at a time after a keyset cursor. Cards are shown as BIN and
 * last four at most. An enrollment's own status, token requestor and network live in Temporal's visibility
 * (api/operator-search-routes.ts joins them); here, who it is for and which cards it pushed.
 */
import { maskedPanOf } from '../domain/card-number.js';
import type { CardNetwork, TokenStatus } from '../domain/enrollment.js';
import type { Queryable } from './queryable.js';

export interface TokenFilters {
  customerId?: string;
  /** Any of these cards. */
  cardRefs?: readonly string[];
  tokenRequestorId?: string;
  status?: TokenStatus;
  network?: CardNetwork;
}

export interface FoundToken {
  network: CardNetwork;
  tokenUniqueReference: string;
  customerId: string;
  tokenRequestorId: string;
  status: TokenStatus;
  statusTimestamp: Date;
  enrollmentId?: string;
  card: { cardRef: string; maskedPan: string };
}

/** Tokens in (network, token) order, after the cursor's token when given; one more than `limit` says "more". */
export async function searchTokens(
  db: Queryable,
  filters: TokenFilters,
  page: { limit: number; after?: { network: string; tokenUniqueReference: string } },
): Promise<FoundToken[]> {
  const { rows } = await db.query<{
    network: CardNetwork;
    token_unique_reference: string;
    customer_id: string;
    token_requestor_id: string;
    status: TokenStatus;
    status_timestamp: Date;
    enrollment_id: string | null;
    card_ref: string;
    bin: string;
    last4: string;
  }>(
    `SELECT t.network, t.token_unique_reference, t.customer_id, t.token_requestor_id, t.status,
            t.status_timestamp, t.enrollment_id, c.card_ref, c.bin, c.last4
     FROM token_inventory t JOIN vault_cards c ON c.card_ref = t.card_ref
     WHERE ($1::text IS NULL OR t.customer_id = $1)
       AND ($2::uuid[] IS NULL OR t.card_ref = ANY($2::uuid[]))
       AND ($3::text IS NULL OR t.token_requestor_id = $3)
       AND ($4::text IS NULL OR t.status = $4)
       AND ($5::text IS NULL OR t.network = $5)
       AND ($6::text IS NULL OR (t.network, t.token_unique_reference) > ($6::text, $7::text))
     ORDER BY t.network, t.token_unique_reference
     LIMIT $8`,
    [
      filters.customerId ?? null,
      filters.cardRefs ?? null,
      filters.tokenRequestorId ?? null,
      filters.status ?? null,
      filters.network ?? null,
      page.after?.network ?? null,
      page.after?.tokenUniqueReference ?? null,
      page.limit + 1,
    ],
  );
  return rows.map((row) => ({
    network: row.network,
    tokenUniqueReference: row.token_unique_reference,
    customerId: row.customer_id,
    tokenRequestorId: row.token_requestor_id,
    status: row.status,
    statusTimestamp: row.status_timestamp,
    ...(row.enrollment_id && { enrollmentId: row.enrollment_id }),
    card: { cardRef: row.card_ref, maskedPan: maskedPanOf(row.bin, row.last4) },
  }));
}

export interface EnrollmentRecord {
  enrollmentId: string;
  customerId: string;
  createdAt: Date;
  /** Where a page ends: created_at exactly as PostgreSQL holds it (microseconds), for the next page. */
  key: string;
  /** The cards its pushes named (none before its push), masked. */
  cards: { cardRef: string; maskedPan: string }[];
}

/** Enrollments newest first, after the cursor's key when given: who each is for, and the cards it pushed. */
export async function searchEnrollments(
  db: Queryable,
  filters: { customerId?: string; cardRefs?: readonly string[] },
  page: { limit: number; after?: { key: string; enrollmentId: string } },
): Promise<EnrollmentRecord[]> {
  const { rows } = await db.query<{
    enrollment_id: string;
    customer_id: string;
    created_at: Date;
    key: string;
    cards: { cardRef: string; bin: string; last4: string }[] | null;
  }>(
    `SELECT e.enrollment_id, e.customer_id, e.created_at, e.created_at::text AS key,
            (SELECT json_agg(DISTINCT jsonb_build_object('cardRef', c.card_ref, 'bin', c.bin, 'last4', c.last4))
             FROM push_receipts r JOIN vault_cards c ON c.card_ref = r.card_ref
             WHERE r.enrollment_id = e.enrollment_id) AS cards
     FROM enrollments e
     WHERE ($1::text IS NULL OR e.customer_id = $1)
       AND ($2::uuid[] IS NULL OR EXISTS (
             SELECT 1 FROM push_receipts r WHERE r.enrollment_id = e.enrollment_id AND r.card_ref = ANY($2::uuid[])))
       AND ($3::timestamptz IS NULL OR (e.created_at, e.enrollment_id) < ($3::timestamptz, $4::text))
     ORDER BY e.created_at DESC, e.enrollment_id DESC
     LIMIT $5`,
    [
      filters.customerId ?? null,
      filters.cardRefs ?? null,
      page.after?.key ?? null,
      page.after?.enrollmentId ?? null,
      page.limit,
    ],
  );
  return rows.map((row) => ({
    enrollmentId: row.enrollment_id,
    customerId: row.customer_id,
    createdAt: row.created_at,
    key: row.key,
    cards: (row.cards ?? []).map((card) => ({ cardRef: card.cardRef, maskedPan: maskedPanOf(card.bin, card.last4) })),
  }));
}
