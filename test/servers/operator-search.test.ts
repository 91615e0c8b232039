// The operator API's search on the engine stack: its role matrix (no token or a customer's 401, every
// operator role may search), tokens and enrollments found by each filter (customer, card, token requestor,
// status, network) and read a page at a time, a card number sent in a body finding the cards of that number
// whichever customers hold them (shown as BIN and last four; the number in no answer, audit entry or log
// line), each search in the audit trail with its filters, and bad input refused naming the field, a card
// number in a query or a path refused without being repeated.
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPan } from '../../domain/card-number.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { operatorCaller, type OperatorCall } from '../support/operator-caller.js';
import { eventually } from '../support/eventually.js';
import { cardWithTokens, newTokenReference } from '../support/inventory-tokens.js';
import { cardWithToken, customerWithCard } from '../support/wallet-customers.js';

let stack: EngineStack;
let as: OperatorCall;
let apiLog = '';

beforeAll(async () => {
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (apiLog += chunk.toString()));
  stack = await startEngineStack({ apiLogStream: logStream });
  as = await operatorCaller(stack, '-search');
});

afterAll(async () => {
  await stack?.stop();
});

const query = (filters: Record<string, string | number>) =>
  new URLSearchParams(
    Object.entries(filters).map(([name, value]): [string, string] => [name, String(value)]),
  ).toString();

type Found = { tokenUniqueReference: string; status: string; card: { cardRef: string; maskedPan: string } }[];
const foundTokens = async (filters: Record<string, string | number>) =>
  (await as('viewer', 'GET', `/tokens?${query(filters)}`)).body.tokens as Found;

describe('operator search', () => {
  it('answers by role: 401 without an operator token or with a customer’s, every operator role searches', async () => {
    const customerId = `customer-${randomUUID()}`;
    const matrix: [string | undefined, number][] = [
      [undefined, 401],
      ['customer', 401],
      ['viewer', 200],
      ['agent', 200],
      ['admin', 200],
    ];
    for (const [who, expected] of matrix) {
      const answers = [
        (await as(who, 'GET', `/tokens?customerId=${customerId}`)).status,
        (await as(who, 'GET', `/enrollments?customerId=${customerId}`)).status,
        (await as(who, 'POST', '/card-searches', { cardNumber: '5204731600014792' })).status,
      ];
      expect([who, ...answers]).toEqual([who, expected, expected, expected]);
    }
  });

  it('finds tokens by customer, card, token requestor, status and network, and writes each search to the audit', async () => {
    const customerId = `customer-${randomUUID()}`;
    const [active, suspended, visa, other] = [
      newTokenReference(),
      newTokenReference(),
      newTokenReference(),
      newTokenReference(),
    ];
    const first = await cardWithTokens(
      stack.pool,
      [
        { token: active, status: 'ACTIVE' },
        { token: suspended, status: 'SUSPENDED', tokenRequestorId: '50120041835' },
      ],
      { customerId },
    );
    const second = await cardWithTokens(
      stack.pool,
      [
        { token: visa, status: 'ACTIVE', network: 'VISA' },
        { token: other, status: 'DEACTIVATED' },
      ],
      { customerId, bin: '401288', last4: '1881' },
    );
    const names = (found: Found) => found.map((held) => held.tokenUniqueReference).sort();

    expect(names(await foundTokens({ customerId }))).toEqual([active, suspended, visa, other].sort());
    expect(names(await foundTokens({ cardRef: first.cardRef }))).toEqual([active, suspended].sort());
    expect(names(await foundTokens({ customerId, tokenRequestorId: '50120041835' }))).toEqual([suspended]);
    expect(names(await foundTokens({ customerId, status: 'DEACTIVATED' }))).toEqual([other]);
    expect(names(await foundTokens({ customerId, network: 'VISA' }))).toEqual([visa]);
    const [shown] = await foundTokens({ cardRef: second.cardRef, network: 'VISA' });
    expect(shown).toMatchObject({ status: 'ACTIVE', card: { cardRef: second.cardRef, maskedPan: '401288******1881' } });

    const audit = (await as('admin', 'GET', '/audit?limit=500')).body.entries as Record<string, unknown>[];
    const mine = audit.filter((entry) => (entry.details as { customerId?: string }).customerId === customerId);
    expect(mine.map((entry) => [entry.operatorId, entry.role, entry.action, entry.target])).toContainEqual([
      'viewer-search',
      'viewer',
      'search.tokens',
      'tokens',
    ]);
    expect(mine.map((entry) => entry.details)).toContainEqual({
      customerId,
      network: 'VISA',
      limit: 50,
      results: 1,
    });
  });

  it('reads tokens and enrollments a page at a time, each once', async () => {
    const customerId = `customer-${randomUUID()}`;
    const placed = Array.from({ length: 5 }, newTokenReference);
    await cardWithTokens(
      stack.pool,
      placed.map((token) => ({ token, status: 'ACTIVE' as const })),
      { customerId },
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = (await as('viewer', 'GET', `/tokens?${query({ customerId, limit: 2, ...(cursor && { cursor }) })}`))
        .body as { tokens: Found; nextCursor?: string };
      sizes.push(page.tokens.length);
      seen.push(...page.tokens.map((held) => held.tokenUniqueReference));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...placed].sort());

    for (let index = 0; index < 3; index += 1) {
      await stack.pool.query('INSERT INTO enrollments (enrollment_id, customer_id, request_id) VALUES ($1, $2, $3)', [
        `enrollment-${randomUUID()}`,
        customerId,
        randomUUID(),
      ]);
    }
    const firstPage = (await as('viewer', 'GET', `/enrollments?${query({ customerId, limit: 2 })}`)).body as {
      enrollments: { enrollmentId: string }[];
      nextCursor?: string;
    };
    expect(firstPage.enrollments).toHaveLength(2);
    const secondPage = (
      await as('viewer', 'GET', `/enrollments?${query({ customerId, limit: 2, cursor: firstPage.nextCursor! })}`)
    ).body as { enrollments: { enrollmentId: string }[]; nextCursor?: string };
    expect(secondPage.enrollments).toHaveLength(1);
    expect(secondPage.nextCursor).toBeUndefined();
    const ids = [...firstPage.enrollments, ...secondPage.enrollments].map((enrollment) => enrollment.enrollmentId);
    expect(new Set(ids).size).toBe(3);
  });

  it('finds an enrollment by customer, card, status, token requestor and network (its live status from Temporal)', async () => {
    const { customer, cardRef } = await cardWithToken(stack, '520473');
    const { rows } = await stack.pool.query<{ token_requestor_id: string }>(
      'SELECT token_requestor_id FROM token_inventory WHERE card_ref = $1',
      [cardRef],
    );
    const tokenRequestorId = rows[0]!.token_requestor_id;
    const enrollments = async (filters: Record<string, string>) =>
      ((await as('viewer', 'GET', `/enrollments?${query(filters)}`)).body.enrollments ?? []) as {
        enrollmentId: string;
        customerId: string;
        status?: string;
        tokenRequestorId?: string;
        network?: string;
        cards: { cardRef: string; maskedPan: string }[];
      }[];
    const [found] = await eventually(
      () => enrollments({ customerId: customer.customerId }),
      (list) => list[0]?.status === 'COMPLETED',
      'the enrollment COMPLETED in visibility',
    );
    expect(found).toMatchObject({ customerId: customer.customerId, tokenRequestorId, network: 'MASTERCARD' });
    expect(found!.cards).toEqual([{ cardRef, maskedPan: expect.stringMatching(/^520473\*{6}\d{4}$/) as string }]);
    const ids = async (filters: Record<string, string>) =>
      (await enrollments(filters)).map((enrollment) => enrollment.enrollmentId);
    expect(await ids({ cardRef })).toEqual([found!.enrollmentId]);
    expect(await ids({ customerId: customer.customerId, status: 'COMPLETED', tokenRequestorId })).toEqual([
      found!.enrollmentId,
    ]);
    expect(await ids({ customerId: customer.customerId, network: 'MASTERCARD' })).toEqual([found!.enrollmentId]);
    expect(await ids({ customerId: customer.customerId, status: 'FAILED' })).toEqual([]);
    expect(await ids({ customerId: customer.customerId, network: 'VISA' })).toEqual([]);
  });

  it('finds the cards of a number sent in a body, whoever holds them, without keeping or showing the number', async () => {
    const { customer, cardId, pan } = await customerWithCard(stack, '520473');
    const other = `customer-${randomUUID()}`;
    await stack.vault.store(other, { pan, expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' }, 'manual');
    const token = newTokenReference();
    await stack.pool.query(
      `INSERT INTO token_inventory (network, token_unique_reference, customer_id, card_ref, token_requestor_id,
         status, status_timestamp) VALUES ('MASTERCARD', $1, $2, $3, '50110030273', 'ACTIVE', now())`,
      [token, customer.customerId, cardId],
    );

    const found = await as('viewer', 'POST', '/card-searches', { cardNumber: pan });
    expect(found.status).toBe(200);
    const cards = found.body.cards as { cardRef: string; customerId: string; maskedPan: string }[];
    expect(cards.map((card) => card.customerId).sort()).toEqual([customer.customerId, other].sort());
    expect(cards.every((card) => card.maskedPan === maskPan(pan))).toBe(true);
    expect((found.body.tokens as Found).map((held) => held.tokenUniqueReference)).toEqual([token]);
    expect(JSON.stringify(found.body)).not.toContain(pan);

    const audit = (await as('admin', 'GET', '/audit?limit=500')).body.entries as Record<string, unknown>[];
    const entry = audit.find(
      (candidate) =>
        candidate.action === 'search.card-number' &&
        ((candidate.details as { cardRefs?: string[] }).cardRefs ?? []).includes(cardId),
    );
    expect(entry).toMatchObject({ operatorId: 'viewer-search', role: 'viewer', target: 'cards' });
    expect((entry!.details as { cardRefs: string[] }).cardRefs).toHaveLength(2);
    const stored = await stack.pool.query('SELECT 1 FROM operator_audit WHERE details::text LIKE $1', [`%${pan}%`]);
    expect(stored.rowCount).toBe(0);
    expect(apiLog).not.toContain(pan);

    const none = await as('viewer', 'POST', '/card-searches', { cardNumber: '5204731600014792' });
    expect(none).toMatchObject({ status: 200, body: { cards: [], tokens: [], enrollments: [] } });
  });

  it('is in the OpenAPI document, with the reconciliation routes', async () => {
    const document = (await (await fetch(`${stack.apiUrl}/openapi.json`)).json()) as { paths: Record<string, object> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/operator/v1/tokens',
        '/operator/v1/enrollments',
        '/operator/v1/card-searches',
        '/operator/v1/reconciliations',
        '/operator/v1/reconciliations/{runId}',
      ]),
    );
  });

  it('refuses bad input naming the field, and a card number in a query or a path without repeating it', async () => {
    const pan = '5204731600014792';
    const refusal = async (route: string, method = 'GET', body?: object) => {
      const answer = await as('viewer', method, route, body);
      expect(JSON.stringify(answer.body)).not.toContain(pan);
      return [answer.status, answer.body.detail];
    };
    expect(await refusal('/tokens?limit=0')).toEqual([400, expect.stringContaining('limit') as string]);
    expect(await refusal('/tokens?status=LOST')).toEqual([400, expect.stringContaining('status') as string]);
    expect(await refusal('/enrollments?network=AMEX')).toEqual([400, expect.stringContaining('network') as string]);
    expect(await refusal('/tokens?cardRef=not-a-card')).toEqual([400, expect.stringContaining('cardRef') as string]);
    expect(await refusal('/tokens?cursor=bm90IGEgY3Vyc29y')).toEqual([
      400,
      expect.stringContaining('cursor') as string,
    ]);
    // A cursor shaped like ours whose key is no time (PostgreSQL would refuse the cast): a 400, not a 500.
    const forged = Buffer.from(JSON.stringify({ key: 'x', enrollmentId: 'y' })).toString('base64url');
    expect(await refusal(`/enrollments?cursor=${forged}`)).toEqual([400, expect.stringContaining('cursor') as string]);
    expect(await refusal('/card-searches', 'POST', { cardNumber: '1234' })).toEqual([
      400,
      expect.stringContaining('cardNumber') as string,
    ]);
    expect(await refusal('/card-searches', 'POST', { cardNumber: '5204731600014793' })).toEqual([
      400,
      expect.stringContaining('cardNumber') as string,
    ]);
    expect((await refusal(`/tokens?customerId=${pan}`))[0]).toBe(422);
    expect((await refusal(`/tokens?cardRef=${pan}`))[0]).toBe(422);
    expect((await refusal(`/enrollments?tokenRequestorId=${pan}`))[0]).toBe(422);
    expect((await refusal(`/tokens?pan=${pan}`))[0]).toBe(400);
    expect((await refusal(`/reconciliations/${pan}`))[0]).toBe(400);
    expect(apiLog).not.toContain(pan);
  });
});
