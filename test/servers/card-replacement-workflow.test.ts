// The card replacement workflow on Temporal's time-skipping test server, with its real activities over the
// test run's PostgreSQL, a vault and networks that are test doubles: each token of the old card told to its
// network (paced by the quota), moved to the new card in the inventory, a refusal recorded with its reason and
// the token left where it was, the operator's audit entry written once; the new card's number never in the
// workflow's history; and more than a page of tokens continuing as new, each token asked once.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NetworkCredentials } from '../../activities/keys/network-credentials.js';
import { createCardReplacementActivities } from '../../activities/lifecycle/card-replacement-activities.js';
import { createTokenLifecycleActivities } from '../../activities/lifecycle/token-lifecycle-activities.js';
import type { CardNetworkAdapter } from '../../activities/networks/card-network.js';
import { networkRegistry } from '../../activities/networks/registry.js';
import type { CardVault } from '../../activities/vault/card-vault.js';
import { lifecycleOutcomesOf } from '../../db/token-lifecycle.js';
import { CardReplacementRefused, type CardReplacementRequest } from '../../domain/card-replacement.js';
import type { CardNetwork } from '../../domain/enrollment.js';
import {
  cardReplacementWorkflow,
  cardReplacementWorkflowId,
  type CardReplacementInput,
} from '../../workflows/card-replacement.js';
import { cardWithTokens, newTokenReference, type PlacedToken } from '../support/inventory-tokens.js';
import { timeSkippingPerFile } from '../support/time-skipping.js';
import { newPan } from '../support/wallet-customers.js';

const timeSkipping = timeSkippingPerFile();
let pool: pg.Pool;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl') });
});

afterAll(async () => {
  await pool?.end();
});

/** Networks that take every token but those told to refuse, and keep every call they had. */
function networks(refusals: Map<string, CardReplacementRefused> = new Map()) {
  const calls: CardReplacementRequest[] = [];
  const adapter = (id: CardNetwork) =>
    ({
      id,
      replaceCard(request) {
        calls.push(request);
        const refusal = refusals.get(request.tokenUniqueReference);
        if (refusal) return Promise.reject(refusal);
        return Promise.resolve({
          tokenUniqueReference: request.tokenUniqueReference,
          status: 'ACTIVE',
          accountPanSuffix: request.newCard.pan.slice(-4),
        });
      },
    }) as Partial<CardNetworkAdapter> as CardNetworkAdapter;
  return { registry: networkRegistry([adapter('MASTERCARD'), adapter('VISA')]), calls };
}

const cardRefsOf = async (tokens: string[]) =>
  Object.fromEntries(
    (
      await pool.query<{ token_unique_reference: string; card_ref: string }>(
        'SELECT token_unique_reference, card_ref FROM token_inventory WHERE token_unique_reference = ANY($1)',
        [tokens],
      )
    ).rows.map((row) => [row.token_unique_reference, row.card_ref]),
  );

async function replace(registry: ReturnType<typeof networks>['registry'], input: CardReplacementInput, pan: string) {
  const vault = { reveal: () => Promise.resolve({ pan, expiryMonth: 10, expiryYear: 2033 }) } as Partial<CardVault>;
  const { worker, taskQueue } = await timeSkipping.newWorker({
    ...createTokenLifecycleActivities({ pool, networks: registry }),
    ...createCardReplacementActivities({
      pool,
      networks: registry,
      vault: vault as CardVault,
      credentials: {} as NetworkCredentials,
    }),
  });
  return worker.runUntil(async () => {
    const handle = await timeSkipping.env.client.workflow.start(cardReplacementWorkflow, {
      taskQueue,
      workflowId: cardReplacementWorkflowId(input.operationId),
      args: [input],
    });
    return { handle, report: await handle.result() };
  });
}

async function oldAndNewCard(tokens: PlacedToken[]) {
  const old = await cardWithTokens(pool, tokens);
  const replacement = await cardWithTokens(pool, [], { customerId: old.customerId, last4: '0000' });
  return { oldCardRef: old.cardRef, newCardRef: replacement.cardRef };
}

describe('the card replacement workflow', () => {
  it('moves each token of the old card to the new one, records a refusal and leaves that token, audits once', async () => {
    const [mastercard, visa, deleted] = [newTokenReference(), newTokenReference(), newTokenReference()];
    const { oldCardRef, newCardRef } = await oldAndNewCard([
      { token: mastercard, status: 'ACTIVE' },
      { token: visa, status: 'SUSPENDED', network: 'VISA' },
      { token: deleted, status: 'DEACTIVATED' },
    ]);
    const { registry, calls } = networks(
      new Map([
        [deleted, new CardReplacementRefused('STATE_CONFLICT', 'A DEACTIVATED token cannot follow a new card')],
      ]),
    );
    const pan = newPan('520473');
    const operationId = randomUUID();
    const { handle, report } = await replace(
      registry,
      {
        operationId,
        oldCardRef,
        newCardRef,
        requestedBy: 'agent-9',
        comment: 'reissued',
        audit: { operatorId: 'agent-9', role: 'agent' },
        callsPerSecond: 1,
      },
      pan,
    );
    expect(report).toEqual({ operationId, tokens: 3, applied: 2, refused: 1, after: expect.any(Object) as object });
    expect(calls.map((call) => call.tokenUniqueReference).sort()).toEqual([mastercard, visa, deleted].sort());
    expect(calls.every((call) => call.newCard.pan === pan && call.comment === 'reissued')).toBe(true);
    expect(await cardRefsOf([mastercard, visa, deleted])).toEqual({
      [mastercard]: newCardRef,
      [visa]: newCardRef,
      [deleted]: oldCardRef,
    });
    const outcomes = await lifecycleOutcomesOf(pool, operationId);
    expect(outcomes.find((outcome) => outcome.tokenUniqueReference === deleted)).toMatchObject({
      outcome: 'REFUSED',
      refusal: 'STATE_CONFLICT',
      message: expect.stringMatching(/DEACTIVATED/) as string,
    });
    const audit = await pool.query('SELECT action, details FROM operator_audit WHERE target = $1', [operationId]);
    expect(audit.rows).toEqual([{ action: 'card.replace', details: { oldCardRef, newCardRef, comment: 'reissued' } }]);
    // One call per second: the three calls waited for two workflow timers; the number is never in the history.
    const history = await handle.fetchHistory();
    expect(history.events?.filter((event) => event.timerStartedEventAttributes)).toHaveLength(2);
    expect(JSON.stringify(history)).not.toContain(pan);
  });

  it('pages through more than a page of tokens, continuing as new, asking each token once', async () => {
    const tokens = Array.from({ length: 205 }, newTokenReference);
    const { oldCardRef, newCardRef } = await oldAndNewCard(tokens.map((token) => ({ token, status: 'ACTIVE' })));
    const { registry, calls } = networks();
    const operationId = randomUUID();
    const { handle, report } = await replace(
      registry,
      { operationId, oldCardRef, newCardRef, requestedBy: 'agent-9', callsPerSecond: 100 },
      newPan('520473'),
    );
    expect(report).toMatchObject({ tokens: 205, applied: 205, refused: 0 });
    expect(new Set(calls.map((call) => call.tokenUniqueReference)).size).toBe(205);
    expect(calls).toHaveLength(205);
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
    expect(new Set(Object.values(await cardRefsOf(tokens)))).toEqual(new Set([newCardRef]));
  });
});
