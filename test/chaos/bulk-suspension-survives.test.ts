// A bulk suspension that survives crashes: all tokens of 260 cards of a compromised range (1,040 tokens,
// half at each network) suspended by one lifecycle operation, while the worker running it is killed with
// SIGKILL twice and replaced. The operation must end with every token applied, each token SUSPENDED in the
// inventory and at its network, and each network's ledger must show exactly one effective call per token
// (a call the killed worker had under way is retried under the same request id, which the network answers
// without applying it again).
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleWorkflowId, tokenLifecycleWorkflow } from '../../workflows/token-lifecycle.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { eventually } from '../support/eventually.js';
import { cardWithTokens, newTokenReference } from '../support/inventory-tokens.js';
import { sandboxLedger } from '../support/wallet-customers.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const wallet = '50110030273';
const cards = 260;
const tokensPerCard = 4;

let stack: EngineStack;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startEngineStack({ inProcessWorker: false });
  worker = await startWorkerProcess(stack);
}, 180_000);

afterAll(async () => {
  await worker?.kill();
  await stack?.stop();
});

async function seedAtNetwork(sandbox: 'mdes' | 'vts', tokens: string[]): Promise<void> {
  const response = await fetch(`${stack.sandbox.urls[sandbox]}/sandbox/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tokens: tokens.map((tokenUniqueReference) => ({ tokenUniqueReference, tokenRequestorId: wallet })),
    }),
  });
  expect(await response.json()).toEqual({ seeded: tokens.length });
}

const outcomesSoFar = async (operationId: string) =>
  Number(
    (
      await stack.pool.query<{ count: string }>(
        'SELECT count(*) AS count FROM token_lifecycle_outcomes WHERE operation_id = $1',
        [operationId],
      )
    ).rows[0]!.count,
  );

describe('a bulk suspension of a compromised range', () => {
  it('suspends 1,040 tokens once each while its worker is killed with SIGKILL twice', async () => {
    const placed = { mdes: [] as string[], vts: [] as string[] };
    const cardRefs: string[] = [];
    for (let card = 0; card < cards; card += 1) {
      const sandbox = card % 2 === 0 ? 'mdes' : 'vts';
      const tokens = Array.from({ length: tokensPerCard }, () =>
        sandbox === 'mdes' ? newTokenReference() : randomBytes(16).toString('hex'),
      );
      placed[sandbox].push(...tokens);
      const network = sandbox === 'mdes' ? 'MASTERCARD' : 'VISA';
      const { cardRef } = await cardWithTokens(
        stack.pool,
        tokens.map((token) => ({ token, status: 'ACTIVE', network, tokenRequestorId: wallet })),
      );
      cardRefs.push(cardRef);
    }
    await seedAtNetwork('mdes', placed.mdes);
    await seedAtNetwork('vts', placed.vts);
    const total = placed.mdes.length + placed.vts.length;
    expect(total).toBe(1_040);

    const operationId = randomUUID();
    const handle = await stack.client.workflow.start(tokenLifecycleWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: lifecycleWorkflowId(operationId),
      args: [
        {
          operationId,
          operation: 'SUSPEND',
          reason: 'FRAUD_SUSPECTED',
          requestedBy: 'operator-chaos',
          selection: { cardRefs },
          callsPerSecond: 80,
        },
      ],
    });

    // Killed twice mid-way, each time once more tokens are done; another worker takes over.
    for (const after of [200, 600]) {
      await eventually(
        () => outcomesSoFar(operationId),
        (done) => done >= after,
        `${after} tokens done`,
        120_000,
      );
      await worker!.kill();
      worker = await startWorkerProcess(stack);
    }

    expect(await handle.result()).toMatchObject({ tokens: total, applied: total, refused: 0 });
    expect(await outcomesSoFar(operationId)).toBe(total);
    const { rows } = await stack.pool.query<{ status: string; count: string }>(
      'SELECT status, count(*) AS count FROM token_inventory WHERE card_ref = ANY($1::uuid[]) GROUP BY status',
      [cardRefs],
    );
    expect(rows.map((row) => [row.status, Number(row.count)])).toEqual([['SUSPENDED', total]]);

    for (const sandbox of ['mdes', 'vts'] as const) {
      const mine = new Set(placed[sandbox]);
      const effective = (await sandboxLedger(stack, sandbox, { kind: 'token.lifecycle' })).filter((entry) =>
        mine.has(entry.tokenUniqueReference as string),
      );
      const perToken = new Map<string, number>();
      for (const entry of effective) {
        expect(entry).toMatchObject({ operation: 'SUSPEND', to: 'SUSPENDED', already: false });
        perToken.set(
          entry.tokenUniqueReference as string,
          (perToken.get(entry.tokenUniqueReference as string) ?? 0) + 1,
        );
      }
      expect(perToken.size).toBe(mine.size);
      expect([...perToken.values()].every((count) => count === 1)).toBe(true);
      const statuses = await Promise.all(
        placed[sandbox].slice(0, 20).map(async (token) => {
          const response = await fetch(`${stack.sandbox.urls[sandbox]}/sandbox/tokens/${token}`);
          return ((await response.json()) as { status: string }).status;
        }),
      );
      expect(new Set(statuses)).toEqual(new Set(['SUSPENDED']));
    }
  });
});
