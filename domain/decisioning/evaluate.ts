/**
 * The issuer's rules applied to one tokenisation: every rule whose conditions all hold contributes its
 * outcome and reason; the decision is the most severe of them (RED over YELLOW over GREEN, as the networks
 * combine colours), its reasons those of the rules at that severity. A card the issuer itself authenticated
 * for this tokenisation (pushed with the enrollment's proof, or added from the issuer's app) has already
 * stepped up: a YELLOW is GREEN for it. Pure: the facts are gathered elsewhere.
 */
import type {
  CardStatus,
  DecisionOutcome,
  DecisionRules,
  RuleConditions,
  TokenisationSource,
  WalletRecommendation,
} from './rules.js';

/** What is known of one tokenisation when it is decided: no card data, only its standing and counts. */
export interface DecisionFacts {
  source: TokenisationSource;
  tokenRequestorId: string;
  tokenType?: string;
  cardStatus?: CardStatus;
  walletRecommendation?: WalletRecommendation;
  accountScore?: number;
  deviceScore?: number;
  activeTokenCount?: number;
  /** Tokenisations asked for this card (and this customer) within each window a rule names, this one included. */
  cardTokenisations?: (withinHours: number) => number;
  customerTokenisations?: (withinHours: number) => number;
  /** The issuer authenticated the cardholder for this tokenisation (the enrollment's proof). */
  issuerAuthenticated: boolean;
}

export interface RulesDecision {
  outcome: DecisionOutcome;
  reasons: string[];
  /** The names of the rules that held, whatever their outcome. */
  matched: string[];
}

const severity: Record<DecisionOutcome, number> = { GREEN: 0, YELLOW: 1, RED: 2 };

export function evaluateRules(rules: DecisionRules, facts: DecisionFacts): RulesDecision {
  const held = rules.rules.filter((rule) => holds(rule.when, facts));
  const matched = held.map((rule) => rule.name);
  if (held.length === 0) return { outcome: rules.otherwise, reasons: ['NO_RULE_MATCHED'], matched };
  const worst = held.reduce<DecisionOutcome>(
    (outcome, rule) => (severity[rule.then] > severity[outcome] ? rule.then : outcome),
    'GREEN',
  );
  const reasons = [...new Set(held.filter((rule) => rule.then === worst).map((rule) => rule.reason))];
  if (worst === 'YELLOW' && facts.issuerAuthenticated) {
    return { outcome: 'GREEN', reasons: ['ISSUER_AUTHENTICATED', ...reasons], matched };
  }
  return { outcome: worst, reasons, matched };
}

/** Whether every condition of the rule holds; a condition on a fact the network did not give does not. */
function holds(when: RuleConditions, facts: DecisionFacts): boolean {
  const checks: boolean[] = [];
  const among = <T>(allowed: readonly T[] | undefined, value: T | undefined) => {
    if (allowed) checks.push(value !== undefined && allowed.includes(value));
  };
  among(when.source, facts.source);
  among(when.tokenRequestorIds, facts.tokenRequestorId);
  among(when.tokenType as readonly string[] | undefined, facts.tokenType);
  among(when.cardStatus, facts.cardStatus);
  among(when.walletRecommendation, facts.walletRecommendation);
  for (const [range, value] of [
    [when.accountScore, facts.accountScore],
    [when.deviceScore, facts.deviceScore],
  ] as const) {
    if (!range) continue;
    checks.push(
      value !== undefined &&
        (range.below === undefined || value < range.below) &&
        (range.atLeast === undefined || value >= range.atLeast),
    );
  }
  if (when.withoutWalletAssessment) {
    checks.push(
      facts.walletRecommendation === undefined && facts.accountScore === undefined && facts.deviceScore === undefined,
    );
  }
  if (when.activeTokenCount) {
    checks.push(facts.activeTokenCount !== undefined && facts.activeTokenCount > when.activeTokenCount.over);
  }
  for (const [limit, count] of [
    [when.cardTokenisations, facts.cardTokenisations],
    [when.customerTokenisations, facts.customerTokenisations],
  ] as const) {
    if (limit) checks.push(count !== undefined && count(limit.withinHours) > limit.over);
  }
  return checks.every(Boolean);
}

/** The windows (hours) the rules count tokenisations over, per card and per customer: what to ask the database. */
export function velocityWindows(rules: DecisionRules): { card: number[]; customer: number[] } {
  const card = new Set<number>();
  const customer = new Set<number>();
  for (const { when } of rules.rules) {
    if (when.cardTokenisations) card.add(when.cardTokenisations.withinHours);
    if (when.customerTokenisations) customer.add(when.customerTokenisations.withinHours);
  }
  return { card: [...card], customer: [...customer] };
}
