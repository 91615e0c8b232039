/**
 * The issuer's tokenisation decisions as recorded: each with its reasons, the rules that held, the facts it
 * was made from (never card data), the rules' version, the fail-safe flag and its latency; counted per card and
 * per customer for the velocity rules; found again by the token it was about (a network asking twice, a
 * wallet's token later reported without a receipt, its activation).
 */
import type { DecisionOutcome, TokenisationSource } from '../domain/decisioning/rules.js';
import type { CardNetwork } from '../domain/enrollment.js';
import type { Queryable } from './queryable.js';

export const activationOutcomes = ['PENDING', 'ACTIVATED', 'EXPIRED', 'LOCKED', 'CANCELLED'] as const;
export type ActivationOutcome = (typeof activationOutcomes)[number];

export interface TokenisationDecision {
  decisionId: string;
  network: CardNetwork;
  tokenUniqueReference?: string;
  tokenRequestorId: string;
  cardRef?: string;
  customerId?: string;
  enrollmentId?: string;
  source: TokenisationSource;
  outcome: DecisionOutcome;
  reasons: string[];
  matchedRules: string[];
  /** Scores, recommendation, token type, counts: what the rules read. */
  facts: Record<string, unknown>;
  rulesVersion: string;
  failSafe: boolean;
  latencyMs: number;
  activation?: ActivationOutcome;
  decidedAt?: Date;
}

/**
 * Records the decision; when the network already asked about this token, the decision kept then is
 * returned instead (and nothing is written), so that a retried question gets the same answer.
 */
export async function recordDecision(db: Queryable, decision: TokenisationDecision): Promise<TokenisationDecision> {
  const { rows } = await db.query<Row>(
    `INSERT INTO tokenisation_decisions (decision_id, network, token_unique_reference, token_requestor_id, card_ref,
       customer_id, enrollment_id, source, outcome, reasons, matched_rules, facts, rules_version, fail_safe,
       latency_ms, activation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (network, token_unique_reference) WHERE token_unique_reference IS NOT NULL DO NOTHING
     RETURNING ${columns}`,
    [
      decision.decisionId,
      decision.network,
      decision.tokenUniqueReference ?? null,
      decision.tokenRequestorId,
      decision.cardRef ?? null,
      decision.customerId ?? null,
      decision.enrollmentId ?? null,
      decision.source,
      decision.outcome,
      decision.reasons,
      decision.matchedRules,
      decision.facts,
      decision.rulesVersion,
      decision.failSafe,
      Math.round(decision.latencyMs),
      decision.activation ?? null,
    ],
  );
  if (rows[0]) return fromRow(rows[0]);
  const kept = await decisionOfToken(db, decision.network, decision.tokenUniqueReference!);
  return kept!;
}

/** The decision made about this token, if any. */
export async function decisionOfToken(
  db: Queryable,
  network: CardNetwork,
  tokenUniqueReference: string,
): Promise<TokenisationDecision | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM tokenisation_decisions WHERE network = $1 AND token_unique_reference = $2`,
    [network, tokenUniqueReference],
  );
  return rows[0] && fromRow(rows[0]);
}

/** The decision about this token of this customer (whichever network's), if any. */
export async function customerDecisionOfToken(
  db: Queryable,
  customerId: string,
  tokenUniqueReference: string,
): Promise<TokenisationDecision | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM tokenisation_decisions WHERE customer_id = $1 AND token_unique_reference = $2
      ORDER BY decided_at DESC LIMIT 1`,
    [customerId, tokenUniqueReference],
  );
  return rows[0] && fromRow(rows[0]);
}

/** Tokenisations asked (decided) within each of these windows (hours), for a card or a customer. */
export async function tokenisationCounts(
  db: Queryable,
  by: { cardRef: string } | { customerId: string },
  windowsHours: readonly number[],
): Promise<Map<number, number>> {
  if (windowsHours.length === 0) return new Map();
  const [column, value] = 'cardRef' in by ? ['card_ref', by.cardRef] : ['customer_id', by.customerId];
  const { rows } = await db.query<{ hours: number; count: string }>(
    `SELECT w.hours, count(d.decision_id) AS count
       FROM unnest($2::int[]) AS w(hours)
       LEFT JOIN tokenisation_decisions d
         ON d.${column} = $1 AND d.decided_at > now() - make_interval(hours => w.hours)
      GROUP BY w.hours`,
    [value, windowsHours],
  );
  return new Map(rows.map((row) => [row.hours, Number(row.count)]));
}

/** A YELLOW token's activation has an outcome. */
export async function recordActivationOutcome(
  db: Queryable,
  network: CardNetwork,
  tokenUniqueReference: string,
  activation: ActivationOutcome,
): Promise<void> {
  await db.query(
    'UPDATE tokenisation_decisions SET activation = $3 WHERE network = $1 AND token_unique_reference = $2',
    [network, tokenUniqueReference, activation],
  );
}

/** The most recent decisions, newest first, optionally of one card or customer. */
export async function recentDecisions(
  db: Queryable,
  filter: { cardRef?: string; customerId?: string; limit: number },
): Promise<TokenisationDecision[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM tokenisation_decisions
      WHERE ($1::uuid IS NULL OR card_ref = $1) AND ($2::text IS NULL OR customer_id = $2)
      ORDER BY decided_at DESC, decision_id LIMIT $3`,
    [filter.cardRef ?? null, filter.customerId ?? null, filter.limit],
  );
  return rows.map(fromRow);
}

interface Row {
  decision_id: string;
  network: CardNetwork;
  token_unique_reference: string | null;
  token_requestor_id: string;
  card_ref: string | null;
  customer_id: string | null;
  enrollment_id: string | null;
  source: TokenisationSource;
  outcome: DecisionOutcome;
  reasons: string[];
  matched_rules: string[];
  facts: Record<string, unknown>;
  rules_version: string;
  fail_safe: boolean;
  latency_ms: number;
  activation: ActivationOutcome | null;
  decided_at: Date;
}

const columns = `decision_id, network, token_unique_reference, token_requestor_id, card_ref, customer_id, enrollment_id,
  source, outcome, reasons, matched_rules, facts, rules_version, fail_safe, latency_ms, activation, decided_at`;

function fromRow(row: Row): TokenisationDecision {
  return {
    decisionId: row.decision_id,
    network: row.network,
    ...(row.token_unique_reference !== null && { tokenUniqueReference: row.token_unique_reference }),
    tokenRequestorId: row.token_requestor_id,
    ...(row.card_ref !== null && { cardRef: row.card_ref }),
    ...(row.customer_id !== null && { customerId: row.customer_id }),
    ...(row.enrollment_id !== null && { enrollmentId: row.enrollment_id }),
    source: row.source,
    outcome: row.outcome,
    reasons: row.reasons,
    matchedRules: row.matched_rules,
    facts: row.facts,
    rulesVersion: row.rules_version,
    failSafe: row.fail_safe,
    latencyMs: row.latency_ms,
    ...(row.activation !== null && { activation: row.activation }),
    decidedAt: row.decided_at,
  };
}
