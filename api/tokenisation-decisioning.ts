/**
 * The issuer's decision on a tokenisation, once the correlation (callback-correlation.ts) has found what the
 * network asks about: the card's standing and velocity read, the rules applied (domain/decisioning), a YELLOW
 * token's activation started and its methods offered, and the decision recorded with its reasons. All of it
 * within the rules' budget: a dependency that fails or is too slow answers the rules' fail-safe (never
 * GREEN), recorded as such when the database lets it. A network asking again about the same token gets the
 * decision it had.
 */
import type { AskedFacts, IssuerDecision } from '../activities/networks/callback-descriptor.js';
import { customerProfileOf } from '../db/customer-profiles.js';
import type { Queryable } from '../db/queryable.js';
import { recordAndPublishDecision } from '../db/decision-events.js';
import { decisionOfToken, tokenisationCounts, type TokenisationDecision } from '../db/tokenisation-decisions.js';
import { cardStatusesOf } from '../db/vault-cards.js';
import {
  maskEmail,
  maskPhone,
  type ActivationMethod,
  type TokenActivationInput,
} from '../domain/decisioning/activation.js';
import { evaluateRules, velocityWindows, type DecisionFacts } from '../domain/decisioning/evaluate.js';
import type { DecisionOutcome, DecisionRules, TokenisationSource } from '../domain/decisioning/rules.js';
import type { CardNetwork } from '../domain/enrollment.js';
import { newIdentifier } from '../domain/identifiers.js';

export interface DecisioningDeps {
  pool: Queryable;
  rules: DecisionRules;
  /** Starts the activation of a YELLOW token (the activation workflow); a second start of the same token is none. */
  startActivation(input: TokenActivationInput): Promise<void>;
  /** Where a fail-safe answer is noted (the cause's name only). */
  warn?: (details: object, message: string) => void;
  /** Each decision, for the metrics and the events. */
  decided?: (decision: TokenisationDecision) => void;
}

/** What the correlation found: which card of which customer, and how it came to the token requestor. */
export interface DecisionSubject {
  network: CardNetwork;
  tokenRequestorId: string;
  tokenUniqueReference?: string;
  card?: { cardRef: string; customerId: string };
  enrollmentId?: string;
  source: TokenisationSource;
  /** The issuer authenticated the cardholder for this tokenisation (the enrollment's proof). */
  issuerAuthenticated: boolean;
  asked: AskedFacts;
}

const wire: Record<DecisionOutcome, IssuerDecision['decision']> = {
  GREEN: 'APPROVED',
  YELLOW: 'REQUIRE_ADDITIONAL_AUTHENTICATION',
  RED: 'DECLINED',
};

/** The issuer's answer for this subject, by the rules; `declinedBy` is the correlation's own refusal, recorded. */
export async function decideBy(
  deps: DecisioningDeps,
  subject: DecisionSubject,
  timing: { started: number; budget: AbortSignal; recording: boolean },
  declinedBy?: string,
): Promise<IssuerDecision> {
  const { started, budget } = timing;
  const { network, tokenUniqueReference } = subject;
  if (tokenUniqueReference !== undefined) {
    const earlier = await decisionOfToken(deps.pool, network, tokenUniqueReference);
    if (earlier) return answerOf(earlier, await methodsIfYellow(deps, earlier));
  }
  const { facts, shown } = declinedBy
    ? { facts: undefined, shown: { ...subject.asked } }
    : await factsOf(deps, subject);
  const decision = facts
    ? evaluateRules(deps.rules, facts)
    : { outcome: 'RED' as DecisionOutcome, reasons: [declinedBy!], matched: [] as string[] };
  let methods: ActivationMethod[] | undefined;
  if (decision.outcome === 'YELLOW') {
    methods = await activationMethods(deps, subject.card!.customerId);
    if (methods.length === 0) {
      decision.outcome = 'RED';
      decision.reasons = ['NO_ACTIVATION_METHOD', ...decision.reasons];
    } else {
      budget.throwIfAborted();
      timing.recording = true;
      await deps.startActivation({
        network,
        tokenUniqueReference: tokenUniqueReference!,
        tokenRequestorId: subject.tokenRequestorId,
        customerId: subject.card!.customerId,
        cardRef: subject.card!.cardRef,
        methods,
        settings: deps.rules.activation,
      });
    }
  }
  // Past the budget the fail-safe has answered: this decision is neither recorded nor answered. From here on
  // it is the answer, however long the write takes.
  if (!timing.recording) budget.throwIfAborted();
  timing.recording = true;
  const recorded = await recordAndPublishDecision(deps.pool, {
    ...recordOf(deps, subject, started),
    outcome: decision.outcome,
    reasons: decision.reasons,
    matchedRules: decision.matched,
    facts: shown,
    failSafe: false,
    ...(decision.outcome === 'YELLOW' && { activation: 'PENDING' }),
  });
  deps.decided?.(recorded);
  return answerOf(recorded, methods);
}

/** The rules' fail-safe for a subject whose decision could not be made in time; recorded when it can be. */
export function failSafe(
  deps: DecisioningDeps,
  subject: DecisionSubject,
  started: number,
  cause: unknown,
): IssuerDecision {
  const { outcome, reason } = deps.rules.failSafe;
  deps.warn?.(
    { cause: cause instanceof Error ? cause.name : typeof cause, outcome },
    'tokenisation decided by the fail-safe',
  );
  const decision: TokenisationDecision = {
    ...recordOf(deps, subject, started),
    outcome,
    reasons: [reason],
    matchedRules: [],
    facts: { ...subject.asked },
    failSafe: true,
  };
  // Not waited for: the database may be what is down, and the network's deadline is near.
  void recordAndPublishDecision(deps.pool, decision).then(deps.decided, (error: unknown) =>
    deps.warn?.({ cause: error instanceof Error ? error.name : 'unknown' }, 'a fail-safe decision was not recorded'),
  );
  // A YELLOW fail-safe starts no activation (what failed may be what would run it): the token waits inactive
  // for an operator to activate it once the cardholder is verified (a call), or for the network's expiry.
  return answerOf(decision);
}

function recordOf(
  deps: DecisioningDeps,
  subject: DecisionSubject,
  started: number,
): Omit<TokenisationDecision, 'outcome' | 'reasons' | 'matchedRules' | 'facts' | 'failSafe'> {
  return {
    decisionId: newIdentifier(),
    network: subject.network,
    ...(subject.tokenUniqueReference !== undefined && { tokenUniqueReference: subject.tokenUniqueReference }),
    tokenRequestorId: subject.tokenRequestorId,
    ...(subject.card && { cardRef: subject.card.cardRef, customerId: subject.card.customerId }),
    ...(subject.enrollmentId !== undefined && { enrollmentId: subject.enrollmentId }),
    source: subject.source,
    rulesVersion: deps.rules.version,
    latencyMs: performance.now() - started,
  };
}

/**
 * The facts the rules read (the network's, the card's standing, the velocity counts the rules name) and the
 * same as recorded: values only, the counts each window held.
 */
async function factsOf(
  deps: DecisioningDeps,
  subject: DecisionSubject,
): Promise<{ facts: DecisionFacts; shown: Record<string, unknown> }> {
  const facts: DecisionFacts = {
    ...subject.asked,
    source: subject.source,
    tokenRequestorId: subject.tokenRequestorId,
    issuerAuthenticated: subject.issuerAuthenticated,
  };
  if (!subject.card) return { facts, shown: { ...facts } };
  const windows = velocityWindows(deps.rules);
  const [statuses, perCard, perCustomer] = await Promise.all([
    cardStatusesOf(deps.pool, [subject.card.cardRef]),
    tokenisationCounts(deps.pool, { cardRef: subject.card.cardRef }, windows.card),
    tokenisationCounts(deps.pool, { customerId: subject.card.customerId }, windows.customer),
  ]);
  const cardStatus = statuses.get(subject.card.cardRef);
  const withCard = { ...facts, ...(cardStatus && { cardStatus }) };
  // This tokenisation counts too: it is not recorded yet.
  const including = (counts: Map<number, number>) => (hours: number) => (counts.get(hours) ?? 0) + 1;
  return {
    facts: { ...withCard, cardTokenisations: including(perCard), customerTokenisations: including(perCustomer) },
    shown: {
      ...withCard,
      ...(perCard.size > 0 && { cardTokenisationsByHours: Object.fromEntries(perCard) }),
      ...(perCustomer.size > 0 && { customerTokenisationsByHours: Object.fromEntries(perCustomer) }),
    },
  };
}

/** The ways the rules allow that this customer can be reached by; the issuer's app always can. */
async function activationMethods(deps: DecisioningDeps, customerId: string): Promise<ActivationMethod[]> {
  const profile = await customerProfileOf(deps.pool, customerId);
  const methods: ActivationMethod[] = [];
  for (const channel of deps.rules.activation.channels) {
    if (channel === 'SMS' && profile?.mobilePhoneNumber) {
      methods.push({ channel, maskedDestination: maskPhone(profile.mobilePhoneNumber.phoneNumber) });
    }
    if (channel === 'EMAIL' && profile?.emailAddress) {
      methods.push({ channel, maskedDestination: maskEmail(profile.emailAddress) });
    }
    if (channel === 'ISSUER_APP') methods.push({ channel });
  }
  return methods;
}

async function methodsIfYellow(
  deps: DecisioningDeps,
  decision: TokenisationDecision,
): Promise<ActivationMethod[] | undefined> {
  if (decision.outcome !== 'YELLOW') return undefined;
  return decision.customerId === undefined ? [{ channel: 'ISSUER_APP' }] : activationMethods(deps, decision.customerId);
}

function answerOf(decision: Pick<TokenisationDecision, 'outcome' | 'reasons'>, methods?: ActivationMethod[]) {
  const answer: IssuerDecision = { decision: wire[decision.outcome] };
  // GREEN is answered without a reason, as before the rules; RED and YELLOW name their first.
  if (decision.outcome !== 'GREEN' && decision.reasons[0]) answer.reason = decision.reasons[0];
  if (methods) answer.activationMethods = methods;
  return answer;
}
