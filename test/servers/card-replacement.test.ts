// A replaced card on the local engine stack: cards with real wallet tokens (Samsung Pay in-app) at both
// networks, each replaced through the operator API (one by a new number, vaulted on the way; one by a card
// already vaulted for the customer) and followed by the durable workflow: the tokens at the sandbox networks
// show the new last four, the inventory's rows name the new card, the old card is REPLACED, the operator's
// audit entry is written once, the same operation id again is the same operation. Around it: the role
// matrix, the refusals (404, 400 naming the field, 422 without echo, 409 a replaced card), a card's standing
// set by an agent (and refused, 409, when a replacement commits while it is set), and no card number in clear
// in the API's log, any table, the ledgers or the history.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCardReplacement } from '../../db/card-replacement.js';
import { cardReplacementWorkflowId } from '../../workflows/card-replacement.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { eventually } from '../support/eventually.js';
import { cardWithTokens } from '../support/inventory-tokens.js';
import { logLines } from '../support/log-lines.js';
import { operatorCaller, type OperatorCall } from '../support/operator-caller.js';
import { everyRow } from '../support/wallet-callbacks.js';
import { cardWithToken, newPan, sandboxLedger } from '../support/wallet-customers.js';

let stack: EngineStack;
let as: OperatorCall;
const apiLog = logLines();

beforeAll(async () => {
  stack = await startEngineStack({ apiLogStream: apiLog.stream });
  as = await operatorCaller(stack, '-cr');
});

afterAll(async () => {
  await stack?.stop();
});

const replacement = (cardRef: string, body: object) => ['POST', `/cards/${cardRef}/replacement`, body] as const;

const cardStatusOf = async (cardRef: string) =>
  (
    await stack.pool.query<{ card_status: string }>('SELECT card_status FROM vault_cards WHERE card_ref = $1', [
      cardRef,
    ])
  ).rows[0]?.card_status;

const inventoryCardOf = async (token: string) =>
  (
    await stack.pool.query<{ card_ref: string }>(
      'SELECT card_ref FROM token_inventory WHERE token_unique_reference = $1',
      [token],
    )
  ).rows[0]?.card_ref;

const shownAt = async (network: 'mdes' | 'vts', token: string) =>
  (await (await fetch(`${stack.sandbox.urls[network]}/sandbox/tokens/${token}`)).json()) as {
    status: string;
    accountPanSuffix: string;
  };

describe('a replaced card, end to end', () => {
  it("moves a card's tokens at both networks to the new card, audited once, the same operation id one operation", async () => {
    const mastercard = await cardWithToken(stack, '520473');
    const visa = await cardWithToken(stack, '411111');
    const newNumber = newPan('520473');
    const visaNumber = newPan('411111');
    const visaNew = await stack.vault.store(
      visa.customer.customerId,
      { pan: visaNumber, expiryMonth: 4, expiryYear: 2034 },
      'card-on-file',
    );
    const operations = [randomUUID(), randomUUID()];
    const bodies = [
      {
        operationId: operations[0],
        newCard: { number: newNumber, expiryMonth: 10, expiryYear: 2033 },
        comment: 'reissued after a loss',
      },
      { operationId: operations[1], newCardRef: visaNew.cardRef, comment: 'renewed' },
    ];
    const started = [
      await as('agent', ...replacement(mastercard.cardRef, bodies[0]!)),
      await as('agent', ...replacement(visa.cardRef, bodies[1]!)),
    ];
    for (const [index, answer] of started.entries()) {
      expect(answer).toMatchObject({ status: 202, body: { operationId: operations[index], status: 'RUNNING' } });
    }
    expect(JSON.stringify(started[0]!.body)).not.toContain(newNumber);
    const newCardRefs = [started[0]!.body.newCardRef as string, visaNew.cardRef];

    for (const [index, { cardRef, token }] of [mastercard, visa].entries()) {
      // The same operation again answers as it stands: 200, then COMPLETED, with each token's outcome.
      const done = await eventually(
        () => as('agent', ...replacement(cardRef, bodies[index]!)),
        ({ status, body }) => status === 200 && body.status === 'COMPLETED',
        'the replacement COMPLETED',
      );
      expect(done.body).toMatchObject({
        oldCardRef: cardRef,
        newCardRef: newCardRefs[index],
        applied: 1,
        refused: 0,
        outcomes: [{ tokenUniqueReference: token, outcome: 'APPLIED', status: 'ACTIVE' }],
      });
      expect(await inventoryCardOf(token)).toBe(newCardRefs[index]);
      expect(await cardStatusOf(cardRef)).toBe('REPLACED');
      const audit = await stack.pool.query(
        'SELECT operator_id, role, action, reason, details FROM operator_audit WHERE target = $1',
        [operations[index]],
      );
      expect(audit.rows).toEqual([
        {
          operator_id: 'agent-cr',
          role: 'agent',
          action: 'card.replace',
          reason: 'CARD_REPLACED',
          details: { oldCardRef: cardRef, newCardRef: newCardRefs[index], comment: bodies[index]!.comment },
        },
      ]);
    }
    expect(await shownAt('mdes', mastercard.token)).toMatchObject({
      status: 'ACTIVE',
      accountPanSuffix: newNumber.slice(-4),
    });
    expect(await shownAt('vts', visa.token)).toMatchObject({
      status: 'ACTIVE',
      accountPanSuffix: visaNumber.slice(-4),
    });
    // One network call took effect per token, however often the operation was asked for.
    for (const [network, { token }] of [
      ['mdes', mastercard],
      ['vts', visa],
    ] as const) {
      expect(
        await sandboxLedger(stack, network, { kind: 'token.card.replaced', tokenUniqueReference: token }),
      ).toHaveLength(1);
    }

    // A replaced card is replaced: another operation, or a new standing, is a 409.
    const again = await as('agent', ...replacement(mastercard.cardRef, { newCardRef: newCardRefs[0] }));
    expect(again.status).toBe(409);
    expect((await as('agent', 'PUT', `/cards/${visa.cardRef}/status`, { status: 'ACTIVE' })).status).toBe(409);

    // No card number in clear: not in the API's log, any table, the networks' ledgers, the workflow's history.
    const [log, rows] = [apiLog.text(), await everyRow(stack.pool)];
    const ledgers = JSON.stringify([await sandboxLedger(stack, 'mdes'), await sandboxLedger(stack, 'vts')]);
    const history = JSON.stringify(
      await stack.client.workflow.getHandle(cardReplacementWorkflowId(operations[0]!)).fetchHistory(),
    );
    expect(log).toContain('/replacement');
    for (const pan of [newNumber, visaNumber]) {
      expect([pan, log.includes(pan), rows.includes(pan), ledgers.includes(pan), history.includes(pan)]).toEqual([
        pan,
        false,
        false,
        false,
        false,
      ]);
    }
  });

  it("refuses a card's standing set while a replacement commits: 409 saying so, the card stays REPLACED", async () => {
    const { cardRef: oldCardRef, customerId } = await cardWithTokens(stack.pool, []);
    const { cardRef: newCardRef } = await cardWithTokens(stack.pool, [], { customerId, last4: '0000' });
    // The replacement's transaction holds the card's row while the PUT, having read the card ACTIVE, writes it.
    const replacing = await stack.pool.connect();
    let put: ReturnType<typeof as> | undefined;
    try {
      const { pid } = (await replacing.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
      await replacing.query('BEGIN');
      const replaced = await recordCardReplacement(replacing, {
        operationId: randomUUID(),
        oldCardRef,
        newCardRef,
        requestedBy: 'agent-other',
      });
      expect(replaced).toBe(true);
      put = as('agent', 'PUT', `/cards/${oldCardRef}/status`, { status: 'BLOCKED', reason: 'fraud suspected' });
      await eventually(
        async () =>
          (
            await stack.pool.query(
              `SELECT 1 FROM pg_stat_activity
               WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE vault_cards SET card_status%' AND pid <> $1`,
              [pid],
            )
          ).rowCount,
        (waiting) => waiting !== null && waiting > 0,
        'the PUT waiting on the replacement',
      );
      await replacing.query('COMMIT');
    } finally {
      replacing.release();
    }
    const answer = await put;
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toBe(`Card ${oldCardRef} was REPLACED meanwhile: a replaced card keeps that status`);
    expect(await cardStatusOf(oldCardRef)).toBe('REPLACED');
    const audit = await stack.pool.query("SELECT 1 FROM operator_audit WHERE target = $1 AND action = 'card.status'", [
      oldCardRef,
    ]);
    expect(audit.rowCount).toBe(0);
  });

  it('answers by role, and refuses an unknown card, bad input naming the field, a card number in text', async () => {
    const { cardRef } = await cardWithToken(stack, '520473');
    const number = newPan('520473');
    const matrix: [string | undefined, number][] = [
      [undefined, 401],
      ['customer', 401],
      ['viewer', 403],
    ];
    for (const [who, status] of matrix) {
      const answers = [
        (await as(who, ...replacement(cardRef, { newCard: { number, expiryMonth: 1, expiryYear: 2035 } }))).status,
        (await as(who, 'PUT', `/cards/${cardRef}/status`, { status: 'LOST' })).status,
      ];
      expect([who, ...answers]).toEqual([who, status, status]);
    }
    expect((await as('viewer', 'PUT', `/cards/${cardRef}/status`, { status: 'LOST' })).body.detail).toBe(
      'This needs the agent role; the token grants viewer',
    );
    expect(await cardStatusOf(cardRef)).toBe('ACTIVE');

    const unknown = await as(
      'agent',
      ...replacement(randomUUID(), { newCard: { number, expiryMonth: 1, expiryYear: 2035 } }),
    );
    expect(unknown.status).toBe(404);
    const badNumber = `${number.slice(0, -1)}${(Number(number.at(-1)) + 1) % 10}`;
    const refusals = [
      [{ newCard: { number: badNumber, expiryMonth: 1, expiryYear: 2035 } }, 400, /^newCard: /],
      [
        { newCard: { number: newPan('411111'), expiryMonth: 1, expiryYear: 2035 } },
        400,
        /^newCard: .*same customer and network/,
      ],
      [{ newCardRef: cardRef }, 400, /^newCardRef: is the card it replaces/],
      [{ newCardRef: randomUUID() }, 400, /^newCardRef: /],
      [
        { newCardRef: randomUUID(), newCard: { number, expiryMonth: 1, expiryYear: 2035 } },
        400,
        /newCardRef or newCard/,
      ],
      [{ newCard: { number, expiryMonth: 1, expiryYear: 2035 }, comment: `card ${number}` }, 422, /comment/],
    ] as const;
    for (const [body, status, detail] of refusals) {
      const answer = await as('agent', ...replacement(cardRef, body));
      expect([answer.status, answer.body.detail]).toEqual([status, expect.stringMatching(detail)]);
      expect(JSON.stringify(answer.body)).not.toContain(number);
      expect(JSON.stringify(answer.body)).not.toContain(badNumber);
    }
    expect(await cardStatusOf(cardRef)).toBe('ACTIVE');
    expect((await as('agent', 'PUT', `/cards/${cardRef}/status`, { status: 'REPLACED' })).status).toBe(400);
    expect(
      (await as('agent', 'PUT', `/cards/${cardRef}/status`, { status: 'LOST', reason: `lost ${number}` })).status,
    ).toBe(422);

    // An agent sets the card's standing, audited with who and why.
    const lost = await as('agent', 'PUT', `/cards/${cardRef}/status`, {
      status: 'LOST',
      reason: 'reported lost by phone',
    });
    expect(lost).toMatchObject({ status: 200, body: { cardRef, status: 'LOST' } });
    expect(await cardStatusOf(cardRef)).toBe('LOST');
    const audit = await stack.pool.query(
      'SELECT operator_id, action, reason, details FROM operator_audit WHERE target = $1',
      [cardRef],
    );
    expect(audit.rows).toEqual([
      {
        operator_id: 'agent-cr',
        action: 'card.status',
        reason: 'reported lost by phone',
        details: { from: 'ACTIVE', to: 'LOST' },
      },
    ]);
  });
});
