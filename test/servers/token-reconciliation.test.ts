// The reconciliation end to end on the engine stack: a token provisioned for real (Samsung Pay, Mastercard)
// is suspended at the sandbox network behind the engine's back (no notification), and another is in the
// inventory only; an admin runs a reconciliation through the operator API, the run's findings show both
// drifts and the inventory is repaired to the network's view (SUSPENDED; DEACTIVATED for the token the
// network does not know). A second run finds nothing. Who may list, read and start runs; the start in the
// audit trail; what operators read in the Temporal UI. Runs are narrowed to this test's cards: the inventory
// is shared with other test files.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTokenReconciliationSchedule,
  tokenReconciliationScheduleId,
} from '../../deploy/token-reconciliation-schedule.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { operatorCaller, type OperatorCall } from '../support/operator-caller.js';
import { eventually } from '../support/eventually.js';
import { cardWithTokens, newTokenReference } from '../support/inventory-tokens.js';
import { cardWithToken, sandboxLedger, tokensOf } from '../support/wallet-customers.js';

let stack: EngineStack;
let as: OperatorCall;

beforeAll(async () => {
  stack = await startEngineStack();
  as = await operatorCaller(stack, '-reconciliation');
});

afterAll(async () => {
  await stack?.stop();
});

interface RunView {
  runId: string;
  finishedAt?: string;
  checked: number;
  drifted: number;
  repaired: number;
  errors: number;
  findings: Record<string, unknown>[];
}

async function reconcile(cardRefs: string[]): Promise<RunView> {
  const started = await as('admin', 'POST', '/reconciliations', { cardRefs, callsPerSecond: 5 });
  expect(started).toMatchObject({ status: 202, body: { status: 'RUNNING' } });
  const runId = started.body.runId as string;
  const run = await eventually(
    () => as('viewer', 'GET', `/reconciliations/${runId}`),
    ({ body }) => typeof body.finishedAt === 'string',
    'the reconciliation run finished',
  );
  return run.body as unknown as RunView;
}

describe('the reconciliation through the operator API', () => {
  it('answers by role: runs listed and read by a viewer, started by an admin only', async () => {
    const nothing = { cardRefs: [randomUUID()] };
    const matrix: [string | undefined, number, number][] = [
      // who, GET reconciliations, POST reconciliations
      [undefined, 401, 401],
      ['customer', 401, 401],
      ['viewer', 200, 403],
      ['agent', 200, 403],
      ['admin', 200, 202],
    ];
    for (const [who, list, start] of matrix) {
      const answers = [
        (await as(who, 'GET', '/reconciliations')).status,
        (await as(who, 'POST', '/reconciliations', nothing)).status,
      ];
      expect([who, ...answers]).toEqual([who, list, start]);
    }
    expect((await as('agent', 'POST', '/reconciliations', nothing)).body.detail).toBe(
      'This needs the admin role; the token grants agent',
    );
    expect((await as('viewer', 'GET', `/reconciliations/token-reconciliation-${randomUUID()}`)).status).toBe(404);
    expect((await as('admin', 'POST', '/reconciliations', { cardRefs: ['not-a-card'] })).status).toBe(400);
  });

  it('finds a token changed behind the engine’s back and one the network does not know, and repairs both', async () => {
    const { customer, cardRef, token } = await cardWithToken(stack, '520473');
    const orphan = newTokenReference();
    const placed = await cardWithTokens(stack.pool, [{ token: orphan, status: 'ACTIVE' }]);

    const changed = await fetch(`${stack.sandbox.urls.mdes}/sandbox/tokens/${token}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'SUSPENDED', reason: 'DEVICE_LOST', notify: false }),
    });
    expect(changed.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await tokensOf(customer)).map((held) => held.status)).toEqual(['ACTIVE']);

    const run = await reconcile([cardRef, placed.cardRef]);
    expect(run).toMatchObject({ checked: 2, drifted: 2, repaired: 2, errors: 0 });
    const findings = run.findings.map(({ tokenUniqueReference, inventoryStatus, networkStatus, repaired }) => ({
      tokenUniqueReference,
      inventoryStatus,
      networkStatus,
      repaired,
    }));
    expect(findings).toEqual(
      expect.arrayContaining([
        { tokenUniqueReference: token, inventoryStatus: 'ACTIVE', networkStatus: 'SUSPENDED', repaired: true },
        { tokenUniqueReference: orphan, inventoryStatus: 'ACTIVE', networkStatus: 'NOT_FOUND', repaired: true },
      ]),
    );
    expect(findings).toHaveLength(2);
    expect((await tokensOf(customer)).map((held) => held.status)).toEqual(['SUSPENDED']);
    const { rows } = await stack.pool.query<{ status: string }>(
      'SELECT status FROM token_inventory WHERE token_unique_reference = $1',
      [orphan],
    );
    expect(rows[0]?.status).toBe('DEACTIVATED');
    expect(
      await sandboxLedger(stack, 'mdes', { kind: 'token.status.query', tokenUniqueReference: token }),
    ).toHaveLength(1);

    const listed = (await as('viewer', 'GET', '/reconciliations?limit=100')).body.runs as { runId: string }[];
    expect(listed.map((listedRun) => listedRun.runId)).toContain(run.runId);
    const audit = (await as('admin', 'GET', '/audit?limit=500')).body.entries as Record<string, unknown>[];
    expect(audit.filter((entry) => entry.target === run.runId)).toEqual([
      expect.objectContaining({
        operatorId: 'admin-reconciliation',
        role: 'admin',
        action: 'reconciliation.start',
        details: { callsPerSecond: 5, repair: true, cards: 2 },
      }),
    ]);
    // What operators read in the Temporal UI: its summary, and its current details.
    const handle = stack.client.workflow.getHandle(run.runId);
    expect(await (await handle.describe()).staticSummary()).toBe(
      'Token reconciliation with the networks (5 calls/s), by admin-reconciliation',
    );
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toBe('**Status** done\n**Checked** 2\n**Drifted** 2 (repaired 2)\n**Errors** 0');

    const again = await reconcile([cardRef, placed.cardRef]);
    expect(again).toMatchObject({ checked: 2, drifted: 0, repaired: 0, findings: [] });
  });

  it('is scheduled once a day, created once per namespace', async () => {
    expect(await ensureTokenReconciliationSchedule(stack.client, stack.taskQueue)).toBe(true);
    expect(await ensureTokenReconciliationSchedule(stack.client, stack.taskQueue)).toBe(false);
    const schedule = stack.client.schedule.getHandle(tokenReconciliationScheduleId);
    try {
      const described = await schedule.describe();
      expect(described.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 3, end: 3, step: 1 }] })]);
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'tokenReconciliationWorkflow',
        args: [{ requestedBy: 'schedule' }],
      });
    } finally {
      // Its run would reconcile the whole inventory, which other test files share.
      await schedule.delete();
    }
  });
});
