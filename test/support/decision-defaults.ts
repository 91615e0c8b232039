// The engine's shipped tokenisation rules and a task queue for the activations they start: what the
// network callbacks need in tests that do not run the whole stack.
import { loadDecisionRules } from '../../api/decision-rules-file.js';

export const decisionDefaults = { rules: loadDecisionRules(), taskQueue: 'pushprov-test-activations' };
