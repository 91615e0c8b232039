/**
 * The issuer's tokenisation rules: what it answers when a network asks whether a token may be created (GREEN
 * approve, YELLOW approve once the cardholder has stepped up, RED decline), written by the issuer as a JSON
 * file and validated once when the process starts. A rule that cannot be read stops the start and is named
 * (its position and its name), never half-applied. Each rule holds conditions that must all hold, an outcome
 * and a reason code; the evaluation is evaluate.ts's.
 */
import { z } from 'zod';

export const decisionOutcomes = ['GREEN', 'YELLOW', 'RED'] as const;
export type DecisionOutcome = (typeof decisionOutcomes)[number];

/**
 * Where the token requestor got the card: pushed by the issuer (a Token Connect receipt), added from the
 * issuer's app (a wallet provisioning), typed or photographed into the wallet, a merchant's card on file.
 */
export const tokenisationSources = [
  'ISSUER_PUSH',
  'ISSUER_APP',
  'MANUAL_ENTRY',
  'CAMERA_CAPTURE',
  'CARD_ON_FILE',
  'OTHER',
] as const;
export type TokenisationSource = (typeof tokenisationSources)[number];

/** The card's standing at the issuer (the vault keeps it; the card management system sets it). */
export const cardStatuses = ['ACTIVE', 'BLOCKED', 'LOST', 'STOLEN', 'CLOSED', 'REPLACED'] as const;
export type CardStatus = (typeof cardStatuses)[number];

export const tokenTypes = ['EMBEDDED_SE', 'CLOUD', 'STATIC'] as const;
export const walletRecommendations = ['APPROVED', 'DECLINED', 'REQUIRE_ADDITIONAL_AUTHENTICATION'] as const;
export type WalletRecommendation = (typeof walletRecommendations)[number];

/** How a YELLOW cardholder may activate their token. */
export const activationChannels = ['SMS', 'EMAIL', 'ISSUER_APP'] as const;
export type ActivationChannel = (typeof activationChannels)[number];

const reasonCode = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'must be an upper-case code such as CARD_VELOCITY');
/** Scores are 1 (riskiest) to 5, as the wallets give them. */
const score = z.int().min(1).max(5);
const scoreRange = z
  .strictObject({ below: score.optional(), atLeast: score.optional() })
  .refine((range) => range.below !== undefined || range.atLeast !== undefined, 'name below or atLeast');
const velocity = z.strictObject({
  /** More tokenisations asked than this, in the window, this one included. */
  over: z.int().min(0).max(10_000),
  withinHours: z
    .int()
    .min(1)
    .max(24 * 90),
});
const nonEmpty = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(64);

const Conditions = z
  .strictObject({
    source: nonEmpty(z.enum(tokenisationSources)).optional(),
    tokenRequestorIds: nonEmpty(z.string().min(1).max(64)).optional(),
    tokenType: nonEmpty(z.enum(tokenTypes)).optional(),
    cardStatus: nonEmpty(z.enum(cardStatuses)).optional(),
    walletRecommendation: nonEmpty(z.enum(walletRecommendations)).optional(),
    accountScore: scoreRange.optional(),
    deviceScore: scoreRange.optional(),
    /** Holds when the network passed on no assessment of the wallet's at all: no recommendation, no score. */
    withoutWalletAssessment: z.literal(true).optional(),
    /** The tokens the card already has at this network, as the network counts them. */
    activeTokenCount: z.strictObject({ over: z.int().min(0).max(1_000) }).optional(),
    cardTokenisations: velocity.optional(),
    customerTokenisations: velocity.optional(),
  })
  .refine((when) => Object.keys(when).length > 0, 'a rule needs at least one condition');
export type RuleConditions = z.infer<typeof Conditions>;

const Rule = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case words joined by hyphens'),
  description: z.string().max(500).optional(),
  when: Conditions,
  then: z.enum(decisionOutcomes),
  reason: reasonCode,
});
export type DecisionRule = z.infer<typeof Rule>;

export const DecisionRulesFile = z.strictObject({
  /** Recorded with every decision, so that one is read against the rules it was made by. */
  version: z.string().min(1).max(64),
  /** When nothing matches. */
  otherwise: z.enum(decisionOutcomes).default('GREEN'),
  /**
   * When a dependency (the database, the vault) fails or is too slow for the network's deadline: never GREEN,
   * a token is not issued without the issuer's rules.
   */
  failSafe: z
    .strictObject({ outcome: z.enum(['YELLOW', 'RED']), reason: reasonCode })
    .default({ outcome: 'RED', reason: 'ISSUER_DECISIONING_UNAVAILABLE' }),
  /** How long the decision may take, dependencies included, before the fail-safe answers (ms). */
  budgetMs: z.int().min(50).max(5_000).default(400),
  activation: z
    .strictObject({
      channels: nonEmpty(z.enum(activationChannels)).default([...activationChannels]),
      /** Wrong codes accepted before code activation is closed (the issuer app stays open). */
      codeTries: z.int().min(1).max(10).default(3),
      /** Codes sent at most (the first and the resends). */
      codeSends: z.int().min(1).max(10).default(3),
      codeValidityMinutes: z.int().min(1).max(60).default(10),
      /** How long the token waits for its activation before the network is told to delete it. */
      windowMinutes: z
        .int()
        .min(5)
        .max(60 * 24 * 30)
        .default(60 * 24),
    })
    .default({
      channels: [...activationChannels],
      codeTries: 3,
      codeSends: 3,
      codeValidityMinutes: 10,
      windowMinutes: 1440,
    }),
  rules: z.array(Rule).max(500),
});
export type DecisionRules = z.infer<typeof DecisionRulesFile>;
export type ActivationSettings = DecisionRules['activation'];

/** A rules file that cannot be used; the message names the rule (position and name) and what is wrong. */
export class DecisionRulesInvalid extends Error {
  override name = 'DecisionRulesInvalid';
}

/** The rules of this file's text, or DecisionRulesInvalid naming the first rule that is wrong. */
export function parseDecisionRules(text: string, origin: string): DecisionRules {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DecisionRulesInvalid(`${origin} is not JSON: ${(error as Error).message}`);
  }
  const parsed = DecisionRulesFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DecisionRulesInvalid(`${origin}: ${where(json, issue.path)}: ${issue.message}`);
  }
  const seen = new Set<string>();
  parsed.data.rules.forEach((rule, index) => {
    if (seen.has(rule.name)) {
      throw new DecisionRulesInvalid(`${origin}: ${ruleName(index, rule.name)}: the name is used by an earlier rule`);
    }
    seen.add(rule.name);
  });
  return parsed.data;
}

/** `rule 3 "low-device-score", when.deviceScore.below` for a path into the rules, the path itself otherwise. */
function where(json: unknown, path: readonly PropertyKey[]): string {
  if (path[0] !== 'rules' || typeof path[1] !== 'number') return path.map(String).join('.') || 'the file';
  const rule = (json as { rules: unknown[] }).rules[path[1]] as { name?: unknown } | undefined;
  const name = typeof rule?.name === 'string' ? rule.name.slice(0, 64) : undefined;
  const rest = path.slice(2).map(String).join('.');
  return `${ruleName(path[1], name)}${rest ? `, ${rest}` : ''}`;
}

const ruleName = (index: number, name: string | undefined) =>
  `rule ${index + 1}${name === undefined ? '' : ` ${JSON.stringify(name)}`}`;
