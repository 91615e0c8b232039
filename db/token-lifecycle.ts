/**
 * What a token lifecycle operation reads and writes: the inventory's tokens it acts on (by token, or all
 * tokens of some cards), a page at a time in a stable order so that an operation over thousands of tokens
 * can resume where it was; each token's new status (never replacing a newer one); and each token's outcome.
 */
import type { CardNetwork, TokenStatus } from '../domain/enrollment.js';
import type { Queryable } from './queryable.js';
import {
  changedTokenColumns,
  publishTokenStatusChange,
  tokenStatusChangeOf,
  type ChangedTokenRow,
} from './token-status-events.js';
import { inTransaction } from './transaction.js';

export interface LifecycleSelection {
  tokenUniqueReferences?: string[];
  cardRefs?: string[];
}

export interface LifecycleTarget {
  network: CardNetwork;
  tokenUniqueReference: string;
  tokenRequestorId: string;
  status: TokenStatus;
}

/** Where a page ends: the last token of it, in (network, token) order. */
export interface LifecycleCursor {
  network: string;
  tokenUniqueReference: string;
}

export async function lifecycleTargets(
  db: Queryable,
  selection: LifecycleSelection,
  page: { after?: LifecycleCursor; limit: number },
): Promise<LifecycleTarget[]> {
  const { rows } = await db.query<TargetRow>(
    `SELECT network, token_unique_reference, token_requestor_id, status FROM token_inventory
     WHERE (token_unique_reference = ANY($1::text[]) OR card_ref = ANY($2::uuid[]))
       AND ($3::text IS NULL OR (network, token_unique_reference) > ($3::text, $4::text))
     ORDER BY network, token_unique_reference
     LIMIT $5`,
    [
      selection.tokenUniqueReferences ?? [],
      selection.cardRefs ?? [],
      page.after?.network ?? null,
      page.after?.tokenUniqueReference ?? null,
      page.limit,
    ],
  );
  return rows.map(targetOf);
}

/** An inventory row as a target, selected as `network, token_unique_reference, token_requestor_id, status`. */
export interface TargetRow {
  network: CardNetwork;
  token_unique_reference: string;
  token_requestor_id: string;
  status: TokenStatus;
}

export const targetOf = (row: TargetRow): LifecycleTarget => ({
  network: row.network,
  tokenUniqueReference: row.token_unique_reference,
  tokenRequestorId: row.token_requestor_id,
  status: row.status,
});

/** The token's status as the network answered it, unless the inventory holds a newer one; a change is published. */
export async function updateTokenStatus(
  db: Queryable,
  token: { network: CardNetwork; tokenUniqueReference: string; status: TokenStatus; statusTimestamp: string },
): Promise<void> {
  await inTransaction(db, async (client) => {
    // `prior` is the row as it was before this statement: one snapshot serves the whole statement.
    const { rows } = await client.query<ChangedTokenRow>(
      `WITH prior AS (SELECT status FROM token_inventory WHERE network = $1 AND token_unique_reference = $2)
       UPDATE token_inventory SET status = $3, status_timestamp = $4, updated_at = now()
       WHERE network = $1 AND token_unique_reference = $2 AND status_timestamp < $4
       RETURNING ${changedTokenColumns}, (SELECT status FROM prior) AS previous_status`,
      [token.network, token.tokenUniqueReference, token.status, token.statusTimestamp],
    );
    if (rows[0]) await publishTokenStatusChange(client, tokenStatusChangeOf(rows[0]));
  });
}

export type LifecycleOutcome =
  | { network: CardNetwork; tokenUniqueReference: string; outcome: 'APPLIED'; status: TokenStatus }
  | {
      network: CardNetwork;
      tokenUniqueReference: string;
      outcome: 'REFUSED';
      /** CARD_REFUSED: a card replacement's new card, refused by the token's network. */
      refusal: 'TOKEN_NOT_FOUND' | 'STATE_CONFLICT' | 'CARD_REFUSED';
      message: string;
    };

/** Each token's outcome, once per operation (a retried activity writes the same row again). */
export async function recordLifecycleOutcome(
  db: Queryable,
  operationId: string,
  outcome: LifecycleOutcome,
): Promise<void> {
  const refused = outcome.outcome === 'REFUSED' ? outcome : undefined;
  await db.query(
    `INSERT INTO token_lifecycle_outcomes (operation_id, network, token_unique_reference, outcome, status, refusal, message)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (operation_id, network, token_unique_reference) DO UPDATE
       SET outcome = EXCLUDED.outcome, status = EXCLUDED.status, refusal = EXCLUDED.refusal,
           message = EXCLUDED.message, recorded_at = now()`,
    [
      operationId,
      outcome.network,
      outcome.tokenUniqueReference,
      outcome.outcome,
      outcome.outcome === 'APPLIED' ? outcome.status : null,
      refused?.refusal ?? null,
      refused?.message ?? null,
    ],
  );
}

/** An operation's per-token outcomes, in token order. */
export async function lifecycleOutcomesOf(db: Queryable, operationId: string): Promise<LifecycleOutcome[]> {
  const { rows } = await db.query<{
    network: CardNetwork;
    token_unique_reference: string;
    outcome: 'APPLIED' | 'REFUSED';
    status: TokenStatus | null;
    refusal: 'TOKEN_NOT_FOUND' | 'STATE_CONFLICT' | 'CARD_REFUSED' | null;
    message: string | null;
  }>(
    `SELECT network, token_unique_reference, outcome, status, refusal, message FROM token_lifecycle_outcomes
     WHERE operation_id = $1 ORDER BY network, token_unique_reference`,
    [operationId],
  );
  return rows.map((row) =>
    row.outcome === 'APPLIED'
      ? {
          network: row.network,
          tokenUniqueReference: row.token_unique_reference,
          outcome: 'APPLIED',
          status: row.status!,
        }
      : {
          network: row.network,
          tokenUniqueReference: row.token_unique_reference,
          outcome: 'REFUSED',
          refusal: row.refusal!,
          message: row.message ?? '',
        },
  );
}
