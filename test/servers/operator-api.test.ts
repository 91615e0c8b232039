// The operator API on the local engine stack: its own tokens (the operator audience, with roles; a
// customer's token is no operator's), the role matrix of its routes, a suspension of a card's tokens
// started by an agent and followed to each token's outcome, the same operation id answered as it stands,
// a card number in the comment refused with nothing written, and the audit trail: every action once (the
// lifecycle workflow writes its operator's entry itself, once however often its activity runs), who and
// why, and the database refusing to change it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../db/operator-audit.js';
import { lifecycleWorkflowId } from '../../workflows/token-lifecycle.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { operatorCaller, type OperatorCall } from '../support/operator-caller.js';
import { eventually } from '../support/eventually.js';
import { cardWithToken, tokensOf } from '../support/wallet-customers.js';

let stack: EngineStack;
let as: OperatorCall;

beforeAll(async () => {
  stack = await startEngineStack();
  as = await operatorCaller(stack, '-1');
});

afterAll(async () => {
  await stack?.stop();
});

const suspend = (cardRefs: string[], more: object = {}) => ({
  operation: 'SUSPEND',
  reason: 'LOST',
  comment: 'cardholder reported the card lost',
  cardRefs,
  ...more,
});

describe('the operator API', () => {
  it('answers by role: 401 without an operator token, 403 naming the role an action needs', async () => {
    const operationId = randomUUID();
    const started = await as('agent', 'POST', '/token-operations', suspend([randomUUID()], { operationId }));
    expect(started.status).toBe(202);
    const matrix: [string | undefined, number, number, number][] = [
      // who, POST token-operations, GET token-operations/{id}, GET audit
      [undefined, 401, 401, 401],
      ['customer', 401, 401, 401],
      ['viewer', 403, 200, 403],
      ['agent', 202, 200, 403],
      ['admin', 202, 200, 200],
    ];
    for (const [who, post, get, audit] of matrix) {
      const answers = [
        (await as(who, 'POST', '/token-operations', suspend([randomUUID()]))).status,
        (await as(who, 'GET', `/token-operations/${operationId}`)).status,
        (await as(who, 'GET', '/audit')).status,
      ];
      expect([who, ...answers]).toEqual([who, post, get, audit]);
    }
    const refused = await as('viewer', 'POST', '/token-operations', suspend([randomUUID()]));
    expect(refused.body.detail).toBe('This needs the agent role; the token grants viewer');
    expect((await as('viewer', 'GET', `/token-operations/${randomUUID()}`)).status).toBe(404);
  });

  it("suspends a card's token for an agent, each token's outcome read back; the same operation again is one", async () => {
    const { customer, cardRef, token } = await cardWithToken(stack, '520473');
    const operationId = randomUUID();
    const started = await as('agent', 'POST', '/token-operations', suspend([cardRef], { operationId }));
    expect(started).toMatchObject({ status: 202, body: { operationId, status: 'RUNNING' } });
    const done = await eventually(
      () => as('viewer', 'GET', `/token-operations/${operationId}`),
      ({ body }) => body.status === 'COMPLETED',
      'the operation COMPLETED',
    );
    expect(done.body).toMatchObject({
      applied: 1,
      refused: 0,
      outcomes: [{ network: 'MASTERCARD', tokenUniqueReference: token, outcome: 'APPLIED', status: 'SUSPENDED' }],
    });
    expect((await tokensOf(customer)).map((held) => held.status)).toEqual(['SUSPENDED']);
    // What operators read in the Temporal UI: its summary, and its current details.
    const handle = stack.client.workflow.getHandle(lifecycleWorkflowId(operationId));
    expect(await (await handle.describe()).staticSummary()).toBe(
      'Token suspend (LOST): the tokens of 1 card, by agent-1',
    );
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toBe('**Status** done\n**Applied** 1\n**Refused** 0');

    const again = await as('agent', 'POST', '/token-operations', suspend([cardRef], { operationId }));
    expect(again).toMatchObject({ status: 200, body: { operationId, status: 'COMPLETED', applied: 1 } });
    const audit = (await as('admin', 'GET', '/audit')).body.entries as Record<string, unknown>[];
    const entries = audit.filter((entry) => entry.target === operationId);
    expect(entries).toEqual([
      expect.objectContaining({
        operatorId: 'agent-1',
        role: 'agent',
        action: 'token-operation.suspend',
        reason: 'LOST',
        details: { tokens: 0, cards: 1, comment: 'cardholder reported the card lost' },
      }),
    ]);
  });

  it('refuses a card number in the comment (422) and writes nothing; the audit trail cannot be changed', async () => {
    const before = ((await as('admin', 'GET', '/audit')).body.entries as unknown[]).length;
    const refused = await as(
      'agent',
      'POST',
      '/token-operations',
      suspend([randomUUID()], { comment: 'card 5204 7316 0001 4792 lost' }),
    );
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).not.toContain('4792');
    expect(((await as('admin', 'GET', '/audit')).body.entries as unknown[]).length).toBe(before);
    // A writer that may retry (the lifecycle workflow's activity) writes its entry once.
    const entry = { operatorId: 'agent-1', role: 'agent', action: 'token-operation.suspend', target: randomUUID() };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await recordAudit(stack.pool, { ...entry, idempotencyKey: `audit:${entry.target}` });
    }
    const written = await stack.pool.query('SELECT 1 FROM operator_audit WHERE target = $1', [entry.target]);
    expect(written.rowCount).toBe(1);
    await expect(stack.pool.query("UPDATE operator_audit SET reason = 'OTHER'")).rejects.toThrow(/append-only/);
    await expect(stack.pool.query('DELETE FROM operator_audit')).rejects.toThrow(/append-only/);
  });
});
