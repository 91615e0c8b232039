/**
 * What the scheduled reconciliation reads and writes: the whole inventory a page at a time in a stable order
 * (so that a run over millions of tokens resumes where it was), each drift it finds with the inventory
 * repaired to the network's view in the same transaction, and its runs with their counts.
 */
import type { Pool } from 'pg';
import type { CardNetwork, TokenStatus } from '../domain/enrollment.js';
import {
  reconciledStatus,
  type NetworkSideStatus,
  type NetworkTokenStatus,
  type ReconciliationCounts,
} from '../domain/token-reconciliation.js';
import type { Queryable } from './queryable.js';
import {
  lifecycleTargets,
  targetOf,
  type TargetRow,
  type LifecycleCursor,
  type LifecycleSelection,
  type LifecycleTarget,
} from './token-lifecycle.js';
import {
  changedTokenColumns,
  publishTokenStatusChange,
  tokenStatusChangeOf,
  type ChangedTokenRow,
} from './token-status-events.js';

/**
 * A page of the inventory in (network, token) order, after the cursor when given: all of it, or only the
 * selected tokens and cards' tokens (a run an operator narrowed, as a lifecycle operation selects them).
 */
export async function inventoryPage(
  db: Queryable,
  page: { selection?: LifecycleSelection; after?: LifecycleCursor; limit: number },
): Promise<LifecycleTarget[]> {
  if (page.selection) return lifecycleTargets(db, page.selection, page);
  const { rows } = await db.query<TargetRow>(
    `SELECT network, token_unique_reference, token_requestor_id, status FROM token_inventory
     WHERE $1::text IS NULL OR (network, token_unique_reference) > ($1::text, $2::text)
     ORDER BY network, token_unique_reference LIMIT $3`,
    [page.after?.network ?? null, page.after?.tokenUniqueReference ?? null, page.limit],
  );
  return rows.map(targetOf);
}

export interface ReconciliationFinding {
  runId: string;
  network: CardNetwork;
  tokenUniqueReference: string;
  inventoryStatus: TokenStatus;
  networkStatus: NetworkSideStatus;
  repaired: boolean;
  foundAt: Date;
}

/**
 * Compares the token as the inventory holds it now (its row locked) with the network's view; when they
 * differ, records the drift and, when `repair`, moves the token to the network's status and publishes the
 * change (`token.status_changed`), in one transaction. Read now rather than from the run's page, which may be
 * seconds old: a notification that came meanwhile may have brought the inventory in step already. A status
 * the inventory took at or after `inquiredAt` (when the network was asked) is newer than the answer, which
 * does not judge it: undefined, as when in step (or the token has left the inventory); the next run asks
 * again. The same token checked again in the run (a retried activity) is answered with the finding first
 * recorded.
 */
export async function reconcileInventoryToken(
  pool: Pool,
  check: {
    runId: string;
    network: CardNetwork;
    tokenUniqueReference: string;
    networkView: NetworkTokenStatus;
    /** When the network was asked: its answer is as of then, at the latest. */
    inquiredAt: Date;
    repair: boolean;
  },
): Promise<ReconciliationFinding | undefined> {
  const { runId, network, tokenUniqueReference } = check;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const [earlier] = await findingsOf(client, runId, { network, token: tokenUniqueReference });
    const held = await client.query<{ status: TokenStatus; newer: boolean }>(
      `SELECT status, status_timestamp >= $3 AS newer FROM token_inventory
       WHERE network = $1 AND token_unique_reference = $2 FOR UPDATE`,
      [network, tokenUniqueReference, check.inquiredAt],
    );
    const inventoryStatus = held.rows[0]?.status;
    const repairTo = inventoryStatus && !held.rows[0]?.newer && reconciledStatus(inventoryStatus, check.networkView);
    if (earlier || !inventoryStatus || !repairTo) {
      await client.query('COMMIT');
      return earlier;
    }
    if (check.repair) {
      // Dated when the network was asked: a status the network gave the token after that, told later, still wins.
      const { rows: changed } = await client.query<ChangedTokenRow>(
        `UPDATE token_inventory SET status = $3, status_timestamp = $4, updated_at = now()
         WHERE network = $1 AND token_unique_reference = $2
         RETURNING ${changedTokenColumns}, $5::text AS previous_status`,
        [network, tokenUniqueReference, repairTo, check.inquiredAt, inventoryStatus],
      );
      await publishTokenStatusChange(client, tokenStatusChangeOf(changed[0]!));
    }
    const finding = {
      runId,
      network,
      tokenUniqueReference,
      inventoryStatus,
      networkStatus: check.networkView.known ? check.networkView.status : ('NOT_FOUND' as const),
      repaired: check.repair,
    };
    const { rows } = await client.query<{ found_at: Date }>(
      `INSERT INTO token_reconciliation_findings
         (run_id, network, token_unique_reference, inventory_status, network_status, repaired)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING found_at`,
      [runId, network, tokenUniqueReference, inventoryStatus, finding.networkStatus, finding.repaired],
    );
    await client.query('COMMIT');
    return { ...finding, foundAt: rows[0]!.found_at };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A run's findings in token order (or one token's). */
export async function findingsOf(
  db: Queryable,
  runId: string,
  only?: { network: string; token: string },
): Promise<ReconciliationFinding[]> {
  const { rows } = await db.query<{
    network: CardNetwork;
    token_unique_reference: string;
    inventory_status: TokenStatus;
    network_status: NetworkSideStatus;
    repaired: boolean;
    found_at: Date;
  }>(
    `SELECT network, token_unique_reference, inventory_status, network_status, repaired, found_at
     FROM token_reconciliation_findings
     WHERE run_id = $1 AND ($2::text IS NULL OR (network = $2 AND token_unique_reference = $3))
     ORDER BY network, token_unique_reference`,
    [runId, only?.network ?? null, only?.token ?? null],
  );
  return rows.map((row) => ({
    runId,
    network: row.network,
    tokenUniqueReference: row.token_unique_reference,
    inventoryStatus: row.inventory_status,
    networkStatus: row.network_status,
    repaired: row.repaired,
    foundAt: row.found_at,
  }));
}

export interface ReconciliationRun extends ReconciliationCounts {
  runId: string;
  requestedBy: string;
  startedAt: Date;
  finishedAt?: Date;
}

/** The run, once however often its first activity runs. */
export async function beginRun(db: Queryable, run: { runId: string; requestedBy: string }): Promise<void> {
  await db.query(
    'INSERT INTO token_reconciliation_runs (run_id, requested_by) VALUES ($1, $2) ON CONFLICT (run_id) DO NOTHING',
    [run.runId, run.requestedBy],
  );
}

/** The run's counts so far; `finished` marks it done. */
export async function updateRun(
  db: Queryable,
  run: { runId: string; counts: ReconciliationCounts; finished: boolean },
): Promise<void> {
  const { checked, drifted, repaired, errors } = run.counts;
  await db.query(
    `UPDATE token_reconciliation_runs SET checked = $2, drifted = $3, repaired = $4, errors = $5,
       finished_at = CASE WHEN $6 THEN coalesce(finished_at, now()) ELSE finished_at END
     WHERE run_id = $1`,
    [run.runId, checked, drifted, repaired, errors, run.finished],
  );
}

/** Runs newest first, up to `limit`, started before the run `before` when given. */
export async function reconciliationRuns(
  db: Queryable,
  page: { limit: number; before?: string; runId?: string },
): Promise<ReconciliationRun[]> {
  const { rows } = await db.query<{
    run_id: string;
    requested_by: string;
    started_at: Date;
    finished_at: Date | null;
    checked: number;
    drifted: number;
    repaired: number;
    errors: number;
  }>(
    `SELECT run_id, requested_by, started_at, finished_at, checked, drifted, repaired, errors
     FROM token_reconciliation_runs r
     WHERE ($2::text IS NULL OR (started_at, run_id) <
             (SELECT started_at, run_id FROM token_reconciliation_runs WHERE run_id = $2))
       AND ($3::text IS NULL OR run_id = $3)
     ORDER BY started_at DESC, run_id DESC LIMIT $1`,
    [page.limit, page.before ?? null, page.runId ?? null],
  );
  return rows.map((row) => ({
    runId: row.run_id,
    requestedBy: row.requested_by,
    startedAt: row.started_at,
    ...(row.finished_at && { finishedAt: row.finished_at }),
    checked: row.checked,
    drifted: row.drifted,
    repaired: row.repaired,
    errors: row.errors,
  }));
}
