// The issuer API through its typed client (clients/api, generated from the OpenAPI document), over real HTTP
// against the engine: a whole enrollment and its problems, every answer held to the document (its status,
// media type and body as declared for the operation), so that the document is proven by a real client.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPushprovClient,
  dataOf,
  PushprovApiError,
  type Problem,
  type PushprovClient,
} from '../../clients/api/index.js';
import { completeAtTokenRequestor, oneTimeCodeOf, randomCustomerId } from '../support/api-caller.js';
import { documentedResponses } from '../support/documented-responses.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { eventually } from '../support/eventually.js';

const wallet = '50110030273';
const mastercard = { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' };
const callbackUrl = 'https://issuer.example/cards/added';

let stack: EngineStack;
const documented = documentedResponses();

beforeAll(async () => {
  stack = await startEngineStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** The typed client as an issuer's app holds it, its every answer checked against the document. */
function clientWith(token?: string): PushprovClient {
  const client = createPushprovClient({ baseUrl: stack.apiUrl, ...(token !== undefined && { token }) });
  client.use(documented.middleware);
  return client;
}

/** A signed-in customer of the development identity provider, its token minted through the client too. */
async function signedIn(): Promise<{ customerId: string; client: PushprovClient }> {
  const customerId = randomCustomerId();
  const { token } = await dataOf(clientWith().POST('/dev/customer-tokens', { body: { customerId } }));
  return { customerId, client: clientWith(token) };
}

async function enrollmentReaches(client: PushprovClient, id: string, status: string) {
  return eventually(
    () => dataOf(client.GET('/v1/enrollments/{id}', { params: { path: { id } } })),
    (view) => view.status === status,
    `status ${status}`,
  );
}

describe('the typed client', () => {
  it('makes a whole enrollment: card on file, token requestors, code, redirect, COMPLETED, my token', async () => {
    const { customerId, client } = await signedIn();
    await stack.vault.store(customerId, mastercard, 'card-on-file');

    const { cards } = await dataOf(client.GET('/v1/cards'));
    expect(cards).toEqual([expect.objectContaining({ maskedPan: '520473******4792', network: 'MASTERCARD' })]);
    const cardId = cards[0]!.id;
    const { tokenRequestors } = await dataOf(
      client.GET('/v1/cards/{id}/token-requestors', { params: { path: { id: cardId }, query: { pushMethod: 'WEB' } } }),
    );
    expect(tokenRequestors.map(({ id }) => id)).toContain(wallet);

    const idempotencyKey = randomUUID();
    const body = { cards: [{ cardId }], tokenRequestorId: wallet, pushMethod: 'WEB' as const, callbackUrl };
    const started = await client.POST('/v1/enrollments', {
      params: { header: { 'idempotency-key': idempotencyKey } },
      body,
    });
    expect(started.response.status).toBe(201);
    const id = started.data!.id;
    expect(started.data!.links.workflow).toContain(id);
    const replayed = await client.POST('/v1/enrollments', {
      params: { header: { 'idempotency-key': idempotencyKey } },
      body,
    });
    expect([replayed.data?.id, replayed.response.headers.get('idempotent-replayed')]).toEqual([id, 'true']);
    await enrollmentReaches(client, id, 'AWAITING_AUTHENTICATION');

    const code = await oneTimeCodeOf(stack, id);
    const submit = (given: string) =>
      dataOf(client.POST('/v1/enrollments/{id}/one-time-code', { params: { path: { id } }, body: { code: given } }));
    expect(await submit(code === '000000' ? '000001' : '000000')).toEqual({ outcome: 'WRONG_CODE', attemptsLeft: 2 });
    const authenticated = await submit(code);
    if (authenticated.outcome !== 'AUTHENTICATED' || !authenticated.redirect) {
      throw new Error(`not authenticated with a redirect: ${JSON.stringify(authenticated)}`);
    }
    expect(authenticated.status).toBe('AWAITING_TOKEN_REQUESTOR');
    expect(await completeAtTokenRequestor(stack, authenticated.redirect.url, callbackUrl)).toContain(
      'Added to Sandpay',
    );

    const completed = await enrollmentReaches(client, id, 'COMPLETED');
    expect(completed.cards).toEqual([expect.objectContaining({ id: cardId, state: 'ACTIVE' })]);
    // @ts-expect-error the document declares no such field: reading it does not compile
    expect(completed.tokenRequestorName).toBeUndefined();
    const { tokens } = await eventually(
      () => dataOf(client.GET('/v1/tokens')),
      (answer) => answer.tokens.length === 1,
      'the token',
    );
    expect(tokens[0]).toMatchObject({
      network: 'MASTERCARD',
      tokenRequestorId: wallet,
      status: 'ACTIVE',
      card: { id: cardId, maskedPan: '520473******4792' },
    });
    expect(tokens[0]!.tokenUniqueReference).toBe(completed.cards[0]!.tokenUniqueReference);

    // Another customer does not see it: the same 404 as an id that does not exist.
    const stranger = await signedIn();
    const hidden = await stranger.client.GET('/v1/enrollments/{id}', { params: { path: { id } } });
    expect([hidden.response.status, hidden.data]).toEqual([404, undefined]);
  });

  it('answers problems as the typed error: a 404 and a 400', async () => {
    const { client } = await signedIn();
    const unknown = `enrollment-${randomUUID().replaceAll('-', '')}`;
    const notFound = await client.GET('/v1/enrollments/{id}', { params: { path: { id: unknown } } });
    const problem: Problem | undefined = notFound.error;
    expect(notFound.response.status).toBe(404);
    expect(notFound.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problem).toMatchObject({ type: 'about:blank', status: 404 });

    const malformed = await client.GET('/v1/enrollments/{id}', { params: { path: { id: 'not-an-enrollment' } } });
    expect(malformed.response.status).toBe(400);
    expect(malformed.error).toMatchObject({ type: 'about:blank', title: 'Invalid params', status: 400 });
    expect(malformed.error?.detail).toContain('id');

    const refused = dataOf(
      client.POST('/v1/enrollments', {
        params: { header: { 'idempotency-key': randomUUID() } },
        body: { cards: [], tokenRequestorId: wallet, pushMethod: 'WEB' },
      }),
    );
    await expect(refused).rejects.toBeInstanceOf(PushprovApiError);
    await expect(refused).rejects.toMatchObject({ status: 400, body: { title: 'Invalid body', status: 400 } });
  });

  it('checked every answer against the document', () => {
    expect(documented.checked).toEqual(
      expect.arrayContaining([
        'POST /dev/customer-tokens 200',
        'GET /v1/cards 200',
        'GET /v1/cards/{id}/token-requestors 200',
        'POST /v1/enrollments 201',
        'POST /v1/enrollments/{id}/one-time-code 200',
        'GET /v1/enrollments/{id} 200',
        'GET /v1/tokens 200',
        'GET /v1/enrollments/{id} 404',
        'GET /v1/enrollments/{id} 400',
        'POST /v1/enrollments 400',
      ]),
    );
  });
});
