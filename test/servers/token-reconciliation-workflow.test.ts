// The reconciliation workflow on Temporal's time-skipping test server, with its real activities over the
// test run's PostgreSQL and networks that are test doubles (each token's status at the network set by the
// test): a drift is recorded and the inventory repaired to the network's view, a token the network does not
// know is DEACTIVATED with a finding, a deleted token the network no longer lists is no drift, a network that
// refuses the inquiry makes that token an error; a status notified after the network was asked is not
// overwritten by its older answer, and a repair is published as `token.status_changed`; and a run over more
// than a page continues as new, asking each token once. Each test reconciles only its own cards' tokens (the
// inventory is shared with other files).
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CardNetworkAdapter } from '../../activities/networks/card-network.js';
import { networkRegistry } from '../../activities/networks/registry.js';
import { createTokenReconciliationActivities } from '../../activities/reconciliation/token-reconciliation-activities.js';
import { recordTokenStatus } from '../../db/token-inventory.js';
import { findingsOf, reconciliationRuns } from '../../db/token-reconciliation.js';
import type { CardNetwork } from '../../domain/enrollment.js';
import type { NetworkTokenStatus } from '../../domain/token-reconciliation.js';
import { tokenOrderingKey } from '../../domain/webhook-events.js';
import {
  reconciliationWorkflowId,
  tokenReconciliationWorkflow,
  type TokenReconciliationInput,
} from '../../workflows/token-reconciliation.js';
import { cardWithTokens as placeTokens, newTokenReference, type PlacedToken } from '../support/inventory-tokens.js';
import { timeSkippingPerFile } from '../support/time-skipping.js';

const timeSkipping = timeSkippingPerFile();
let pool: pg.Pool;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl') });
});

afterAll(async () => {
  await pool?.end();
});

/** The networks' view: each token's answer (a status, unknown, or a refusal), and every inquiry asked. */
function networks() {
  /** A status, REFUSE, or a function: what happens at the network (and meanwhile) when it is asked. */
  const view = new Map<string, NetworkTokenStatus | 'REFUSE' | (() => Promise<NetworkTokenStatus>)>();
  const asked: string[] = [];
  const adapter = (id: CardNetwork) =>
    ({
      id,
      tokenStatus({ tokenUniqueReference }) {
        asked.push(tokenUniqueReference);
        const answer = view.get(tokenUniqueReference) ?? { known: false };
        if (typeof answer === 'function') return answer();
        if (answer === 'REFUSE') {
          return Promise.reject(
            ApplicationFailure.create({ type: 'NetworkRejectedRequest', message: 'refused', nonRetryable: true }),
          );
        }
        return Promise.resolve(answer);
      },
    }) as Partial<CardNetworkAdapter> as CardNetworkAdapter;
  return { registry: networkRegistry([adapter('MASTERCARD'), adapter('VISA')]), view, asked };
}

const statusesOf = async (cardRef: string) =>
  Object.fromEntries(
    (
      await pool.query<{ token_unique_reference: string; status: string }>(
        'SELECT token_unique_reference, status FROM token_inventory WHERE card_ref = $1',
        [cardRef],
      )
    ).rows.map((row) => [row.token_unique_reference, row.status]),
  );

async function reconcile(registry: ReturnType<typeof networks>['registry'], input: TokenReconciliationInput) {
  const { worker, taskQueue } = await timeSkipping.newWorker(
    createTokenReconciliationActivities({ pool, networks: registry }),
  );
  return worker.runUntil(async () => {
    const handle = await timeSkipping.env.client.workflow.start(tokenReconciliationWorkflow, {
      taskQueue,
      workflowId: reconciliationWorkflowId(randomUUID()),
      args: [input],
    });
    return { handle, report: await handle.result() };
  });
}

const token = newTokenReference;
const cardWithTokens = async (tokens: PlacedToken[]) => (await placeTokens(pool, tokens)).cardRef;

describe('the reconciliation workflow', () => {
  it('repairs a drift to the network, deactivates a token the network does not know, and reports both', async () => {
    const [inStep, suspended, unknown, deleted, refused, visa, notified] = [
      token(),
      token(),
      token(),
      token(),
      token(),
      token(),
      token(),
    ];
    const cardRef = await cardWithTokens([
      { token: inStep, status: 'ACTIVE' },
      { token: suspended, status: 'ACTIVE' },
      { token: unknown, status: 'SUSPENDED' },
      { token: deleted, status: 'DEACTIVATED' },
      { token: refused, status: 'ACTIVE' },
      { token: visa, status: 'SUSPENDED', network: 'VISA' },
      { token: notified, status: 'ACTIVE' },
    ]);
    const { registry, view, asked } = networks();
    view.set(inStep, { known: true, status: 'ACTIVE' });
    view.set(suspended, { known: true, status: 'SUSPENDED' });
    view.set(refused, 'REFUSE');
    view.set(visa, { known: true, status: 'ACTIVE' });
    // Suspended at the network, and its notification in the inventory after the run read its page: in step.
    view.set(notified, async () => {
      await pool.query("UPDATE token_inventory SET status = 'SUSPENDED' WHERE token_unique_reference = $1", [notified]);
      return { known: true, status: 'SUSPENDED' };
    });

    const { handle, report } = await reconcile(registry, {
      requestedBy: 'admin-1',
      callsPerSecond: 2,
      selection: { cardRefs: [cardRef] },
    });
    expect(report).toEqual({ runId: handle.workflowId, checked: 7, drifted: 3, repaired: 3, errors: 1 });
    expect(asked.sort()).toEqual([inStep, suspended, unknown, deleted, refused, visa, notified].sort());
    expect(await statusesOf(cardRef)).toEqual({
      [inStep]: 'ACTIVE',
      [suspended]: 'SUSPENDED',
      [unknown]: 'DEACTIVATED',
      [deleted]: 'DEACTIVATED',
      [refused]: 'ACTIVE',
      [visa]: 'ACTIVE',
      [notified]: 'SUSPENDED',
    });
    const findings = await findingsOf(pool, handle.workflowId);
    expect(
      findings.map(({ network, tokenUniqueReference, inventoryStatus, networkStatus, repaired }) => [
        network,
        tokenUniqueReference,
        inventoryStatus,
        networkStatus,
        repaired,
      ]),
    ).toEqual(
      [
        ['MASTERCARD', suspended, 'ACTIVE', 'SUSPENDED', true],
        ['MASTERCARD', unknown, 'SUSPENDED', 'NOT_FOUND', true],
        ['VISA', visa, 'SUSPENDED', 'ACTIVE', true],
      ].sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)),
    );
    const [run] = await reconciliationRuns(pool, { limit: 1, runId: handle.workflowId });
    expect(run).toMatchObject({ requestedBy: 'admin-1', checked: 7, drifted: 3, repaired: 3, errors: 1 });
    expect(run?.finishedAt).toBeInstanceOf(Date);
  });

  it('pages through more than a page of tokens, continuing as new, asking each token once', async () => {
    const tokens = Array.from({ length: 205 }, token);
    const cardRef = await cardWithTokens(tokens.map((held) => ({ token: held, status: 'ACTIVE' as const })));
    const { registry, view, asked } = networks();
    tokens.forEach((held, index) => view.set(held, { known: true, status: index % 2 === 0 ? 'ACTIVE' : 'SUSPENDED' }));

    const { handle, report } = await reconcile(registry, {
      requestedBy: 'schedule',
      callsPerSecond: 50,
      selection: { cardRefs: [cardRef] },
    });
    expect(report).toEqual({ runId: handle.workflowId, checked: 205, drifted: 102, repaired: 102, errors: 0 });
    expect(asked).toHaveLength(205);
    expect(new Set(asked).size).toBe(205);
    // It continued as new: the run that answered is not the first.
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
    const statuses = Object.values(await statusesOf(cardRef));
    expect(statuses.filter((status) => status === 'SUSPENDED')).toHaveLength(102);
    expect(await findingsOf(pool, handle.workflowId)).toHaveLength(102);
  });

  it('leaves a status notified after the network was asked, and publishes each repair as token.status_changed', async () => {
    const [raced, drifted] = [token(), token()];
    const { cardRef, customerId } = await placeTokens(pool, [
      { token: raced, status: 'ACTIVE' },
      { token: drifted, status: 'ACTIVE' },
    ]);
    const { registry, view } = networks();
    view.set(drifted, { known: true, status: 'SUSPENDED' });
    // The network answers ACTIVE, then suspends the token and its notification commits before the run locks the row.
    view.set(raced, async () => {
      await recordTokenStatus(pool, {
        network: 'MASTERCARD',
        tokenUniqueReference: raced,
        customerId,
        cardRef,
        tokenRequestorId: '50110030273',
        status: 'SUSPENDED',
        statusTimestamp: new Date().toISOString(),
      });
      return { known: true, status: 'ACTIVE' };
    });

    const { handle, report } = await reconcile(registry, {
      requestedBy: 'admin-1',
      callsPerSecond: 50,
      selection: { cardRefs: [cardRef] },
    });
    expect(report).toMatchObject({ checked: 2, drifted: 1, repaired: 1, errors: 0 });
    expect(await statusesOf(cardRef)).toEqual({ [raced]: 'SUSPENDED', [drifted]: 'SUSPENDED' });
    expect((await findingsOf(pool, handle.workflowId)).map((finding) => finding.tokenUniqueReference)).toEqual([
      drifted,
    ]);
    // Each token's events (the two tokens are reconciled in either order): the notification's, and the repair's.
    const eventsOf = async (held: string) =>
      (
        await pool.query<{ data: Record<string, unknown> }>(
          `SELECT data FROM webhook_events
           WHERE type = 'token.status_changed' AND ordering_key = $1 ORDER BY event_seq`,
          [tokenOrderingKey('MASTERCARD', held)],
        )
      ).rows.map(({ data }) => data);
    expect((await eventsOf(raced)).map((data) => [data.previousStatus, data.status])).toEqual([
      ['ACTIVE', 'SUSPENDED'],
    ]);
    const repaired = await eventsOf(drifted);
    expect(repaired.map((data) => [data.previousStatus, data.status])).toEqual([['ACTIVE', 'SUSPENDED']]);
    expect(repaired[0]).toMatchObject({ customerId, cardRef, tokenRequestorId: '50110030273' });
  });

  it('reports drift without repairing it when told so', async () => {
    const [suspended, unknown] = [token(), token()];
    const cardRef = await cardWithTokens([
      { token: suspended, status: 'ACTIVE' },
      { token: unknown, status: 'ACTIVE' },
    ]);
    const { registry, view } = networks();
    view.set(suspended, { known: true, status: 'SUSPENDED' });

    const { handle, report } = await reconcile(registry, {
      requestedBy: 'admin-1',
      repair: false,
      selection: { cardRefs: [cardRef] },
    });
    expect(report).toMatchObject({ checked: 2, drifted: 2, repaired: 0, errors: 0 });
    expect(await statusesOf(cardRef)).toEqual({ [suspended]: 'ACTIVE', [unknown]: 'ACTIVE' });
    expect((await findingsOf(pool, handle.workflowId)).map((finding) => finding.repaired)).toEqual([false, false]);
  });
});
