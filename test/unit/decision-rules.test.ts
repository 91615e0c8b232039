// The issuer's tokenisation rules: a file that cannot be used is refused naming the rule; the rules combine
// as the networks combine colours (RED over YELLOW over GREEN), with the reasons of the winning severity; a
// cardholder the issuer authenticated is not stepped up again; velocity counts per card and per customer.
import { describe, expect, it } from 'vitest';
import { loadDecisionRules } from '../../api/decision-rules-file.js';
import { evaluateRules, type DecisionFacts } from '../../domain/decisioning/evaluate.js';
import { DecisionRulesInvalid, parseDecisionRules, type DecisionRules } from '../../domain/decisioning/rules.js';

const rulesOf = (rules: object[], extra: object = {}): DecisionRules =>
  parseDecisionRules(JSON.stringify({ version: 'test', rules, ...extra }), 'rules.json');

const typed: DecisionFacts = { source: 'MANUAL_ENTRY', tokenRequestorId: '50110030273', issuerAuthenticated: false };

describe('a rules file that cannot be used', () => {
  it.each([
    [
      { name: 'low', when: { deviceScore: { below: 9 } }, then: 'YELLOW', reason: 'LOW' },
      'rule 1 "low", when.deviceScore.below',
    ],
    [
      { name: 'nothing', when: {}, then: 'RED', reason: 'X_Y' },
      'rule 1 "nothing", when: a rule needs at least one condition',
    ],
    [{ name: 'colour', when: { source: ['MANUAL_ENTRY'] }, then: 'BLUE', reason: 'X_Y' }, 'rule 1 "colour", then'],
    [{ name: 'Bad Name', when: { source: ['MANUAL_ENTRY'] }, then: 'RED', reason: 'X_Y' }, 'rule 1 "Bad Name", name'],
    [{ name: 'typo', when: { sauce: ['MANUAL_ENTRY'] }, then: 'RED', reason: 'X_Y' }, 'rule 1 "typo", when'],
    [{ name: 'lower', when: { source: ['MANUAL_ENTRY'] }, then: 'RED', reason: 'lower' }, 'rule 1 "lower", reason'],
    [
      { name: 'velocity', when: { cardTokenisations: { over: 3 } }, then: 'RED', reason: 'X_Y' },
      'rule 1 "velocity", when.cardTokenisations.withinHours',
    ],
  ])('is refused, naming the rule and the field: %j', (rule, named) => {
    const good = { name: 'first-fine', when: { source: ['OTHER'] }, then: 'YELLOW', reason: 'FINE' };
    expect(() => rulesOf([rule])).toThrow(DecisionRulesInvalid);
    expect(() => rulesOf([rule])).toThrow(`rules.json: ${named}`);
    // Its position among others.
    expect(() => rulesOf([good, rule])).toThrow(named.replace('rule 1', 'rule 2'));
  });

  it('is refused when two rules share a name, when it is not JSON, when the fail-safe is GREEN', () => {
    const rule = { name: 'twice', when: { source: ['OTHER'] }, then: 'RED', reason: 'X_Y' };
    expect(() => rulesOf([rule, rule])).toThrow('rule 2 "twice": the name is used by an earlier rule');
    expect(() => parseDecisionRules('{"version": "x", rules: []}', 'rules.json')).toThrow('rules.json is not JSON');
    expect(() => rulesOf([], { failSafe: { outcome: 'GREEN', reason: 'NEVER' } })).toThrow('failSafe.outcome');
  });

  it('the shipped file is valid, fails safe to RED and steps up a card typed into a wallet', () => {
    const rules = loadDecisionRules();
    expect(rules.failSafe).toEqual({ outcome: 'RED', reason: 'ISSUER_DECISIONING_UNAVAILABLE' });
    expect(evaluateRules(rules, { ...typed, walletRecommendation: 'APPROVED' })).toMatchObject({
      outcome: 'YELLOW',
      reasons: ['CARD_ENTERED_IN_WALLET'],
    });
    expect(
      evaluateRules(rules, { ...typed, source: 'CARD_ON_FILE', walletRecommendation: 'APPROVED', deviceScore: 5 }),
    ).toMatchObject({ outcome: 'GREEN', reasons: ['NO_RULE_MATCHED'] });
  });
});

describe('rules applied', () => {
  const rules = rulesOf([
    { name: 'blocked', when: { cardStatus: ['BLOCKED'] }, then: 'RED', reason: 'CARD_NOT_ACTIVE' },
    { name: 'low-device', when: { deviceScore: { below: 3 } }, then: 'YELLOW', reason: 'DEVICE_SCORE_LOW' },
    { name: 'low-account', when: { accountScore: { below: 3 } }, then: 'YELLOW', reason: 'ACCOUNT_SCORE_LOW' },
    { name: 'wallet-no', when: { walletRecommendation: ['DECLINED'] }, then: 'RED', reason: 'WALLET_DECLINE' },
    { name: 'static', when: { tokenType: ['STATIC'], source: ['CARD_ON_FILE'] }, then: 'RED', reason: 'NO_STATIC' },
    { name: 'card-vel', when: { cardTokenisations: { over: 2, withinHours: 24 } }, then: 'RED', reason: 'CARD_VEL' },
    { name: 'cust-vel', when: { customerTokenisations: { over: 4, withinHours: 1 } }, then: 'RED', reason: 'CUST_VEL' },
    { name: 'many', when: { activeTokenCount: { over: 3 } }, then: 'YELLOW', reason: 'MANY_TOKENS' },
  ]);
  const blind = rulesOf([{ name: 'blind', when: { withoutWalletAssessment: true }, then: 'YELLOW', reason: 'BLIND' }]);

  it('GREEN when nothing holds; a condition on a fact not given does not hold', () => {
    expect(evaluateRules(rules, typed)).toEqual({ outcome: 'GREEN', reasons: ['NO_RULE_MATCHED'], matched: [] });
  });

  it('the most severe outcome wins, with the reasons of that severity only', () => {
    expect(evaluateRules(rules, { ...typed, deviceScore: 2, accountScore: 1 })).toEqual({
      outcome: 'YELLOW',
      reasons: ['DEVICE_SCORE_LOW', 'ACCOUNT_SCORE_LOW'],
      matched: ['low-device', 'low-account'],
    });
    expect(evaluateRules(rules, { ...typed, deviceScore: 2, cardStatus: 'BLOCKED' })).toEqual({
      outcome: 'RED',
      reasons: ['CARD_NOT_ACTIVE'],
      matched: ['blocked', 'low-device'],
    });
    expect(evaluateRules(rules, { ...typed, deviceScore: 3 }).outcome).toBe('GREEN');
  });

  it('every condition of a rule must hold', () => {
    expect(evaluateRules(rules, { ...typed, tokenType: 'STATIC' }).outcome).toBe('GREEN');
    expect(evaluateRules(rules, { ...typed, tokenType: 'STATIC', source: 'CARD_ON_FILE' }).outcome).toBe('RED');
  });

  it('a cardholder the issuer authenticated is not stepped up again; a RED stays RED', () => {
    const authenticated = { ...typed, source: 'ISSUER_PUSH' as const, issuerAuthenticated: true };
    expect(evaluateRules(rules, { ...authenticated, deviceScore: 1 })).toMatchObject({
      outcome: 'GREEN',
      reasons: ['ISSUER_AUTHENTICATED', 'DEVICE_SCORE_LOW'],
    });
    expect(evaluateRules(rules, { ...authenticated, cardStatus: 'BLOCKED' }).outcome).toBe('RED');
  });

  it('velocity per card and per customer over the windows the rules name', () => {
    const asked: number[] = [];
    const counting = (count: number) => (hours: number) => {
      asked.push(hours);
      return count;
    };
    expect(evaluateRules(rules, { ...typed, cardTokenisations: counting(2) }).outcome).toBe('GREEN');
    expect(evaluateRules(rules, { ...typed, cardTokenisations: counting(3) }).reasons).toEqual(['CARD_VEL']);
    expect(evaluateRules(rules, { ...typed, customerTokenisations: counting(5) }).reasons).toEqual(['CUST_VEL']);
    expect(asked).toEqual([24, 24, 1]);
    expect(evaluateRules(rules, { ...typed, activeTokenCount: 4 }).reasons).toEqual(['MANY_TOKENS']);
  });

  it('a tokenisation without any assessment of the wallet is told apart from one with any', () => {
    expect(evaluateRules(blind, typed).outcome).toBe('YELLOW');
    expect(evaluateRules(blind, { ...typed, deviceScore: 5 }).outcome).toBe('GREEN');
    expect(evaluateRules(blind, { ...typed, walletRecommendation: 'APPROVED' }).outcome).toBe('GREEN');
  });
});
