/** The issuer's tokenisation rules, read and validated once at start: a file that cannot be used stops the start. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDecisionRules, type DecisionRules } from '../domain/decisioning/rules.js';
import { projectRoot } from '../config/env.js';

/** The rules the engine ships with (DECISION_RULES_FILE names the issuer's own). */
export const defaultDecisionRulesFile = path.join(projectRoot, 'config', 'decision-rules.json');

export function loadDecisionRules(file: string = defaultDecisionRulesFile): DecisionRules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`The tokenisation rules cannot be read from ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  return parseDecisionRules(text, file);
}
