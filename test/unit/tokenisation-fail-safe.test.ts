// The issuer's tokenisation decision when a dependency fails or is too slow for the network's deadline:
// the rules' fail-safe answers (RED by default, never GREEN), within the budget, saying why; the decision
// is recorded when the database takes it, and the cause is noted by its name only.
import { describe, expect, it } from 'vitest';
import type { AuthorizationAsked } from '../../activities/networks/callback-descriptor.js';
import { mdesCallbacks } from '../../activities/networks/mdes/callbacks.js';
import { decideTokenisation, type CorrelationDeps } from '../../api/callback-correlation.js';
import { loadDecisionRules } from '../../api/decision-rules-file.js';
import type { Queryable } from '../../db/queryable.js';
import type { DecisionRules } from '../../domain/decisioning/rules.js';

const asked: AuthorizationAsked = {
  receipt: 'MCC-0b8d5a52-0c3d-4f4c-9a3f-1c1d7c7f2b11',
  tokenRequestorId: '50110030273',
  tokenUniqueReference: 'DWSPMC00000000ABCDEF',
  facts: { source: 'ISSUER_PUSH' },
};

function world(pool: Queryable, rules: Partial<DecisionRules> = {}) {
  const warnings: { details: object; message: string }[] = [];
  const warn = (details: object, message: string) => warnings.push({ details, message });
  const deps: CorrelationDeps = {
    credentials: {} as never,
    pool,
    temporal: {} as never,
    fingerprintKeys: [],
    warn,
    decisioning: {
      pool,
      rules: { ...loadDecisionRules(), budgetMs: 150, ...rules },
      startActivation: () => Promise.reject(new Error('not to be started')),
      warn,
    },
  };
  return { deps, warnings };
}

describe('the fail-safe', () => {
  it('answers RED within the budget when the database does not answer', async () => {
    const queries: string[] = [];
    const hanging: Queryable = {
      query: (text: string) => {
        queries.push(text);
        return new Promise(() => undefined);
      },
    } as unknown as Queryable;
    const { deps, warnings } = world(hanging);
    const started = performance.now();
    const answer = await decideTokenisation(deps, 'MASTERCARD', mdesCallbacks, asked);
    const took = performance.now() - started;
    expect(answer).toEqual({ decision: 'DECLINED', reason: 'ISSUER_DECISIONING_UNAVAILABLE' });
    expect(took).toBeGreaterThanOrEqual(140);
    expect(warnings[0]).toMatchObject({
      message: 'tokenisation decided by the fail-safe',
      details: { outcome: 'RED' },
    });
    // The fail-safe decision was offered to the database too (which hangs; not waited for).
    expect(queries.some((text) => text.includes('INSERT INTO tokenisation_decisions'))).toBe(true);
  });

  it('answers at once when the database refuses, noting the cause by name and that nothing was recorded', async () => {
    const refusing: Queryable = {
      query: () =>
        Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { name: 'ConnectionError' })),
    };
    const { deps, warnings } = world(refusing, { failSafe: { outcome: 'YELLOW', reason: 'STEP_UP_WHILE_DOWN' } });
    const answer = await decideTokenisation(deps, 'MASTERCARD', mdesCallbacks, asked);
    expect(answer).toEqual({ decision: 'REQUIRE_ADDITIONAL_AUTHENTICATION', reason: 'STEP_UP_WHILE_DOWN' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(warnings.map((warning) => warning.message)).toEqual([
      'tokenisation decided by the fail-safe',
      'a fail-safe decision was not recorded',
    ]);
    expect(JSON.stringify(warnings)).not.toContain('ECONNREFUSED');
    expect(warnings[0]!.details).toEqual({ cause: 'ConnectionError', outcome: 'YELLOW' });
  });
});
