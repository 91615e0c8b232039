// Token lifecycle operations on the local engine stack: tokens made by real wallet provisionings (Samsung
// Pay in-app, one Mastercard and one Visa), then operations run as the durable workflow a lifecycle API
// starts: all tokens of both cards suspended (one call each at its network, the inventory following), the
// same operation id refused a second run, a quota of one call per second paced by a workflow timer, the
// tokens deleted, and a resume of deleted tokens ending with each token's refusal recorded, naming its status.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleOutcomesOf } from '../../db/token-lifecycle.js';
import type { LifecycleOperation } from '../../domain/token-lifecycle.js';
import {
  lifecycleWorkflowId,
  tokenLifecycleWorkflow,
  type TokenLifecycleInput,
} from '../../workflows/token-lifecycle.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { cardWithToken, sandboxLedger, tokensOf } from '../support/wallet-customers.js';

let stack: EngineStack;

beforeAll(async () => {
  stack = await startEngineStack();
});

afterAll(async () => {
  await stack?.stop();
});

const run = (operation: LifecycleOperation, cardRefs: string[], more: Partial<TokenLifecycleInput> = {}) => {
  const operationId = more.operationId ?? randomUUID();
  return {
    operationId,
    handle: stack.client.workflow.start(tokenLifecycleWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: lifecycleWorkflowId(operationId),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ operationId, operation, reason: 'LOST', requestedBy: 'operator-7', selection: { cardRefs }, ...more }],
    }),
  };
};

describe('token lifecycle operations, end to end', () => {
  it('suspends, deletes, and refuses to resume all tokens of two cards, one network call per token each time', async () => {
    const cards = [await cardWithToken(stack, '520473'), await cardWithToken(stack, '411111')];
    const cardRefs = cards.map((card) => card.cardRef);

    const suspension = run('SUSPEND', cardRefs, { callsPerSecond: 1 });
    const handle = await suspension.handle;
    expect(await handle.result()).toMatchObject({ tokens: 2, applied: 2, refused: 0 });
    for (const { customer, token } of cards) {
      expect((await tokensOf(customer)).find((held) => held.tokenUniqueReference === token)?.status).toBe('SUSPENDED');
    }
    // One call per second: the second token's call waited for a workflow timer.
    const history = await handle.fetchHistory();
    expect(history.events?.filter((event) => event.timerStartedEventAttributes)).toHaveLength(1);
    // The same operation again is the same workflow: refused, nothing called twice.
    await expect(run('SUSPEND', cardRefs, { operationId: suspension.operationId }).handle).rejects.toBeInstanceOf(
      WorkflowExecutionAlreadyStartedError,
    );
    for (const [network, { token }] of [
      ['mdes', cards[0]!],
      ['vts', cards[1]!],
    ] as const) {
      const calls = await sandboxLedger(stack, network, { kind: 'token.lifecycle', tokenUniqueReference: token });
      expect(calls.map((call) => [call.operation, call.to])).toEqual([['SUSPEND', 'SUSPENDED']]);
    }

    expect(await (await run('DELETE', cardRefs).handle).result()).toMatchObject({ applied: 2, refused: 0 });
    const resume = run('RESUME', cardRefs);
    expect(await (await resume.handle).result()).toMatchObject({ tokens: 2, applied: 0, refused: 2 });
    const outcomes = await lifecycleOutcomesOf(stack.pool, resume.operationId);
    expect(outcomes.map((outcome) => outcome.tokenUniqueReference).sort()).toEqual(
      cards.map((card) => card.token).sort(),
    );
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ outcome: 'REFUSED', refusal: 'STATE_CONFLICT' });
      expect(outcome.outcome === 'REFUSED' && outcome.message).toMatch(/DEACTIVATED/);
    }
    for (const { customer, token } of cards) {
      expect((await tokensOf(customer)).find((held) => held.tokenUniqueReference === token)?.status).toBe(
        'DEACTIVATED',
      );
    }
  });

  it('a selection that holds no token ends at once, having called nothing', async () => {
    const report = await (await run('SUSPEND', [randomUUID()]).handle).result();
    expect(report).toMatchObject({ tokens: 0, applied: 0, refused: 0 });
  });

  it("lets a customer suspend, resume and delete their own token; another's is a 404; a deleted one a 409", async () => {
    const { customer, token } = await cardWithToken(stack, '520473');
    const other = await cardWithToken(stack, '411111');
    const lifecycle = (caller: typeof customer, reference: string, operation: string, reason = 'CUSTOMER_REQUEST') =>
      caller.call('POST', `/v1/tokens/${reference}/lifecycle`, { operation, reason });
    expect(await lifecycle(customer, token, 'SUSPEND', 'LOST')).toMatchObject({
      status: 200,
      body: { tokenUniqueReference: token, status: 'SUSPENDED' },
    });
    expect((await lifecycle(customer, token, 'RESUME', 'FOUND')).body).toMatchObject({ status: 'ACTIVE' });
    expect((await lifecycle(customer, other.token, 'DELETE')).status).toBe(404);
    expect((await tokensOf(other.customer)).map((held) => held.status)).toEqual(['ACTIVE']);
    expect((await lifecycle(customer, token, 'DELETE')).body).toMatchObject({ status: 'DEACTIVATED' });
    const resumed = await lifecycle(customer, token, 'RESUME', 'FOUND');
    expect(resumed.status).toBe(409);
    expect((resumed.body as { detail?: string }).detail).toMatch(/DEACTIVATED/);
    expect((await lifecycle(customer, token, 'SUSPEND', 'FRAUD_SUSPECTED')).status).toBe(400);
  });
});
