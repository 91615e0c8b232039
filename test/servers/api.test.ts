// The issuer API over real HTTP, with the dev server, the sandbox networks, the real worker and
// PostgreSQL behind it: the whole journey through the API alone, every capture method, idempotency,
// the cross-customer matrix, caller authentication, malformed requests, and the networks' callbacks.
import { randomUUID, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { CompactSign, exportPKCS8, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mdesAuthorizationHeader } from '../../activities/networks/mdes/oauth1.js';
import { googlePayTokenRequestorId, samsungPayTokenRequestorId } from '../../sandbox/token-requestors/catalogue.js';
import { cardImagePng } from '../support/card-image.js';
import {
  apiCaller,
  completeAtTokenRequestor,
  enrollmentReaches,
  oneTimeCodeOf,
  start,
  type ApiJson,
  type Caller,
} from '../support/api-caller.js';
import { apiAudience, startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { eventually } from '../support/eventually.js';

const wallet = '50110030273';
const mastercard = { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' };

let stack: EngineStack;

beforeAll(async () => {
  stack = await startEngineStack();
});

afterAll(async () => {
  await stack?.stop();
});

const caller = (customerId?: string): Promise<Caller> => apiCaller(stack, customerId);
const statusOf = (customer: Caller, id: string, status: string): Promise<ApiJson> =>
  enrollmentReaches(customer, id, status);
const codeFor = (enrollmentId: string): Promise<string> => oneTimeCodeOf(stack, enrollmentId);

describe('the journey through the API alone', () => {
  it('card -> eligible wallets -> enrollment -> code -> redirect -> token requestor -> ACTIVE in my tokens', async () => {
    const customer = await caller();
    await stack.vault.store(customer.customerId, mastercard, 'card-on-file');

    const cards = await customer.call('GET', '/v1/cards');
    expect(cards.status).toBe(200);
    expect(cards.body.cards).toEqual([
      expect.objectContaining({ maskedPan: '520473******4792', network: 'MASTERCARD', expiry: '09/31' }),
    ]);
    const cardId = cards.body.cards[0]!.id;

    const requestors = await customer.call('GET', `/v1/cards/${cardId}/token-requestors?pushMethod=WEB`);
    expect(requestors.status).toBe(200);
    expect(requestors.body.tokenRequestors.map((requestor) => requestor.name).sort()).toEqual([
      'Apple Pay (sandbox)',
      'Google Pay (sandbox)',
      'Market Street Shop',
      'Orchard Pay',
      'Samsung Pay (sandbox)',
      'Sandpay Wallet',
    ]);
    const android = await customer.call('GET', `/v1/cards/${cardId}/token-requestors?pushMethod=ANDROID`);
    expect(android.body.tokenRequestors.map((requestor) => requestor.id).sort()).toEqual(
      [wallet, googlePayTokenRequestorId, samsungPayTokenRequestorId].sort(),
    );
    const logo = await fetch(`${stack.apiUrl}${requestors.body.tokenRequestors[0]!.logo.png}`, {
      headers: { authorization: `Bearer ${customer.token}` },
    });
    expect([logo.status, logo.headers.get('content-type')]).toEqual([200, 'image/png']);

    const started = await start(customer, {
      cards: [{ cardId }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
      callbackUrl: 'https://issuer.example/cards/added',
    });
    expect(started.status).toBe(201);
    expect(started.body.links.workflow).toContain(started.body.id);
    const id = started.body.id;
    await statusOf(customer, id, 'AWAITING_AUTHENTICATION');

    const code = await codeFor(id);
    const wrong = await customer.call('POST', `/v1/enrollments/${id}/one-time-code`, {
      code: code === '000000' ? '000001' : '000000',
    });
    expect(wrong.body).toEqual({ outcome: 'WRONG_CODE', attemptsLeft: 2 });
    const right = await customer.call('POST', `/v1/enrollments/${id}/one-time-code`, { code });
    expect(right.body).toMatchObject({ outcome: 'AUTHENTICATED', status: 'AWAITING_TOKEN_REQUESTOR' });
    const redirect = right.body.redirect.url;

    expect(await completeAtTokenRequestor(stack, redirect, 'https://issuer.example/cards/added')).toContain(
      'Added to Sandpay',
    );

    const completed = await statusOf(customer, id, 'COMPLETED');
    expect(completed.cards).toEqual([expect.objectContaining({ id: cardId, state: 'ACTIVE' })]);
    const tokens = await eventually(
      () => customer.call('GET', '/v1/tokens'),
      (response) => response.body.tokens.length === 1,
      'the token',
    );
    expect(tokens.body.tokens[0]).toMatchObject({
      network: 'MASTERCARD',
      tokenRequestorId: wallet,
      tokenRequestorName: 'Sandpay',
      status: 'ACTIVE',
      card: { id: cardId, maskedPan: '520473******4792' },
    });

    // Later, the token is suspended in the wallet: the network tells the issuer; the enrollment is over,
    // so the inventory takes it directly.
    const tokenReference = tokens.body.tokens[0]!.tokenUniqueReference;
    const suspended = await fetch(`${stack.sandbox.urls.mdes}/sandbox/tokens/${tokenReference}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'SUSPENDED' }),
    });
    expect(suspended.status).toBe(200);
    await eventually(
      () => customer.call('GET', '/v1/tokens'),
      (response) => (response.body.tokens[0] as { status?: string } | undefined)?.status === 'SUSPENDED',
      'the suspension in my tokens',
    );
  });

  it('captures a card typed by the consumer, and one photographed (confirmed before authentication)', async () => {
    const customer = await caller();
    const typed = await customer.call('POST', '/v1/card-captures', {
      method: 'manual',
      card: { number: '5555 5555 5555 4444', expiryMonth: 12, expiryYear: 2030, cardholderName: 'Ada Lovelace' },
    });
    expect(typed.status).toBe(201);
    expect(typed.body).toMatchObject({ method: 'manual', maskedPan: '555555******4444' });
    const manual = await start(customer, {
      cards: [{ captureId: typed.body.captureId, method: 'manual' }],
      tokenRequestorId: wallet,
      pushMethod: 'IOS',
    });
    expect(manual.status).toBe(201);
    const view = await statusOf(customer, manual.body.id, 'AWAITING_AUTHENTICATION');
    expect(view.cards).toEqual([expect.objectContaining({ maskedPan: '555555******4444', captureMethod: 'manual' })]);
    expect((await customer.call('POST', `/v1/enrollments/${manual.body.id}/cancel`, {})).body).toEqual({
      status: 'CANCELLED',
    });

    const png = await cardImagePng({ number: '4012 8888 8888 1881', expiry: '10/29', name: 'ADA LOVELACE' });
    const photographed = await customer.call('POST', '/v1/card-captures', {
      method: 'ocr',
      image: { mediaType: 'image/png', data: png.toString('base64') },
    });
    expect(photographed.status).toBe(201);
    const ocr = await start(customer, {
      cards: [{ captureId: photographed.body.captureId, method: 'ocr' }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
    });
    const awaiting = await eventually(
      () => customer.call('GET', `/v1/enrollments/${ocr.body.id}`),
      (response) => response.body.awaitingCaptureConfirmation === true,
      'the confirmation request',
    );
    expect(awaiting.body.cards).toEqual([
      expect.objectContaining({ maskedPan: '401288******1881', network: 'VISA', captureMethod: 'ocr' }),
    ]);
    expect(
      (await customer.call('POST', `/v1/enrollments/${ocr.body.id}/capture-confirmation`, { confirmed: true })).status,
    ).toBe(200);
    await statusOf(customer, ocr.body.id, 'AWAITING_AUTHENTICATION');
  }, 40_000);

  it('refuses a typed card that fails the rules, without repeating its number', async () => {
    const customer = await caller();
    const refused = await customer.call('POST', '/v1/card-captures', {
      method: 'manual',
      card: { number: '5204731600014793', expiryMonth: 12, expiryYear: 2030 },
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ status: 422, detail: 'The card number is not valid (check digit)' });
    expect(JSON.stringify(refused.body)).not.toContain('5204731600014793');
  });
});

describe('idempotency keys', () => {
  it('replay the first response for the same key and body, and refuse another body', async () => {
    const customer = await caller();
    const card = await stack.vault.store(customer.customerId, mastercard, 'card-on-file');
    const body = { cards: [{ cardId: card.cardRef }], tokenRequestorId: wallet, pushMethod: 'WEB' };
    const key = randomUUID();
    const first = await start(customer, body, key);
    const again = await start(customer, body, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await start(customer, { ...body, pushMethod: 'IOS' }, key);
    expect(other.status).toBe(422);
    expect(other.body.detail).toBe('This Idempotency-Key was used with another request body');
    await customer.call('POST', `/v1/enrollments/${first.body.id}/cancel`, {});
  });

  it('give one enrollment for ten concurrent duplicates', async () => {
    const customer = await caller();
    const card = await stack.vault.store(customer.customerId, mastercard, 'card-on-file');
    const body = { cards: [{ cardId: card.cardRef }], tokenRequestorId: wallet, pushMethod: 'WEB' };
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 10 }, () => start(customer, body, key)));
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([201]));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    const { rows } = await stack.pool.query('SELECT 1 FROM enrollments WHERE customer_id = $1', [customer.customerId]);
    expect(rows).toHaveLength(1);
    await customer.call('POST', `/v1/enrollments/${responses[0]!.body.id}/cancel`, {});
  });

  it('are required to start an enrollment', async () => {
    const customer = await caller();
    const response = await customer.call('POST', '/v1/enrollments', {
      cards: [{ cardId: randomUUID() }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
    });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/idempotency-key/);
  });
});

describe("an enrollment's refusals", () => {
  it('answer by type: 429 with Retry-After for a code asked too soon, 400, 409, and 409 once it has ended', async () => {
    const customer = await caller();
    const card = await stack.vault.store(customer.customerId, mastercard, 'card-on-file');
    const started = await start(customer, {
      cards: [{ cardId: card.cardRef }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
    });
    const id = started.body.id;
    await statusOf(customer, id, 'AWAITING_AUTHENTICATION');

    const tooSoon = await customer.call('POST', `/v1/enrollments/${id}/one-time-code/resend`);
    const retryAfter = Number(tooSoon.headers.get('retry-after'));
    expect(tooSoon.status).toBe(429);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(tooSoon.body).toEqual({
      type: '/problems/too-soon',
      title: 'Not now',
      status: 429,
      detail: `A new code can be sent in ${retryAfter} s`,
    });

    const malformed = await customer.call('POST', `/v1/enrollments/${id}/session-assertion`, {
      assertion: 'no-dots-in-this-one',
    });
    expect([malformed.status, malformed.body.detail]).toEqual([400, 'The assertion must be a compact JWS']);
    const otherMethod = await customer.call('POST', `/v1/enrollments/${id}/session-assertion`, {
      assertion: 'header.payload.signature',
    });
    expect(otherMethod.status).toBe(409);
    expect(otherMethod.body).toMatchObject({
      title: 'Not now',
      detail: 'This enrollment does not authenticate with a session assertion',
    });
    const notExpired = await customer.call('POST', `/v1/enrollments/${id}/fresh-push`);
    expect(notExpired.status).toBe(409);

    expect((await customer.call('POST', `/v1/enrollments/${id}/cancel`, {})).body).toEqual({ status: 'CANCELLED' });
    // Once the execution has closed, the server no longer has it running: WorkflowNotFoundError, not a text.
    const ended = await eventually(
      () => customer.call('POST', `/v1/enrollments/${id}/cancel`, {}),
      (response) => response.body.detail === 'The enrollment has ended',
      'the closed enrollment',
    );
    expect(ended.status).toBe(409);
  });
});

describe('another customer', () => {
  it("gets a 404 for every id of someone else's, as for ids that do not exist", async () => {
    const owner = await caller();
    const stranger = await caller();
    const card = await stack.vault.store(owner.customerId, mastercard, 'card-on-file');
    const capture = await owner.call('POST', '/v1/card-captures', {
      method: 'manual',
      card: { number: '5555555555554444', expiryMonth: 12, expiryYear: 2030 },
    });
    const enrollment = await start(owner, {
      cards: [{ cardId: card.cardRef }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
    });
    const id = enrollment.body.id;
    const matrix: [string, string, object?][] = [
      ['GET', `/v1/cards/${card.cardRef}/token-requestors?pushMethod=WEB`],
      ['GET', `/v1/enrollments/${id}`],
      ['POST', `/v1/enrollments/${id}/one-time-code`, { code: '123456' }],
      ['POST', `/v1/enrollments/${id}/one-time-code/resend`, {}],
      ['POST', `/v1/enrollments/${id}/session-assertion`, { assertion: 'aaaaa.bbbbb.ccccc' }],
      ['POST', `/v1/enrollments/${id}/capture-confirmation`, { confirmed: true }],
      ['POST', `/v1/enrollments/${id}/fresh-push`, {}],
      ['POST', `/v1/enrollments/${id}/cancel`, {}],
    ];
    for (const [method, path, body] of matrix) {
      const response = await stranger.call(method, path, body);
      expect([path, response.status]).toEqual([path, 404]);
    }
    for (const cards of [[{ cardId: card.cardRef }], [{ captureId: capture.body.captureId, method: 'manual' }]]) {
      const response = await start(stranger, { cards, tokenRequestorId: wallet, pushMethod: 'WEB' });
      expect(response.status).toBe(404);
    }
    expect((await stranger.call('GET', '/v1/cards')).body).toEqual({ cards: [] });
    expect((await stranger.call('GET', '/v1/tokens')).body).toEqual({ tokens: [] });
    expect((await owner.call('GET', `/v1/enrollments/${id}`)).status).toBe(200);
    await owner.call('POST', `/v1/enrollments/${id}/cancel`, {});
  });
});

describe('callers', () => {
  it('need a valid bearer token from the identity provider', async () => {
    const missing = await fetch(`${stack.apiUrl}/v1/cards`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    const stranger = await generateKeyPair('ES256');
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
      .setIssuer('pushprov-dev-idp')
      .setAudience(apiAudience)
      .setSubject('someone')
      .setExpirationTime('5m')
      .sign(stranger.privateKey);
    const expired = await stack.identity.tokenFor('someone', apiAudience, -120);
    const otherAudience = await stack.identity.tokenFor('someone', 'another-api');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    for (const [token, reason] of [
      [forged, 'does not publish'],
      [expired, 'expired'],
      [otherAudience, '"aud"'],
      [unsigned, 'bearer token is required'],
    ] as const) {
      const response = await fetch(`${stack.apiUrl}/v1/cards`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { detail: string }).detail).toContain(reason);
    }
  });
});

describe('bad input', () => {
  it('refuses any card security code field with a 400', async () => {
    const customer = await caller();
    const response = await customer.call('POST', '/v1/card-captures', {
      method: 'manual',
      card: { number: '5555555555554444', expiryMonth: 12, expiryYear: 2030, cvv: '123' },
    });
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe('"cvv" is never accepted: push provisioning does not use the card security code');
  });

  it('names the field that is wrong', async () => {
    const customer = await caller();
    const response = await start(customer, { cards: [], tokenRequestorId: '123', pushMethod: 'FAX' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.detail).toMatch(/cards: .*; tokenRequestorId: must be 11 digits; pushMethod: /);
  });

  it('never answers a malformed request with a 5xx (property-based)', async () => {
    const customer = await caller();
    const card = await stack.vault.store(customer.customerId, mastercard, 'card-on-file');
    const paths = [
      '/v1/enrollments',
      '/v1/card-captures',
      `/v1/enrollments/enrollment-${'0'.repeat(32)}/one-time-code`,
      `/v1/enrollments/enrollment-${'0'.repeat(32)}/cancel`,
      `/v1/cards/${card.cardRef}/token-requestors`,
      '/v1/enrollments/%00/cancel',
    ];
    const anything = fc.oneof(
      fc.json(),
      fc.string(),
      fc.record(
        {
          cards: fc.array(fc.record({ cardId: fc.string(), captureId: fc.uuid(), method: fc.string() })),
          tokenRequestorId: fc.string(),
          pushMethod: fc.string(),
        },
        { requiredKeys: [] },
      ),
      fc.record(
        {
          method: fc.constantFrom('manual', 'ocr', 'x'),
          card: fc.record({ number: fc.string(), expiryMonth: fc.integer(), expiryYear: fc.integer() }),
          image: fc.record({ mediaType: fc.string(), data: fc.string() }),
        },
        { requiredKeys: ['method'] },
      ),
      fc.record({ code: fc.string(), confirmed: fc.anything() }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom('POST', 'GET', 'PUT'),
        anything,
        fc.string({ maxLength: 300 }),
        async (path, method, body, key) => {
          const response = await stack.api.inject({
            method: method as 'POST',
            url: path,
            headers: {
              authorization: `Bearer ${customer.token}`,
              'content-type': 'application/json',
              'idempotency-key': key,
            },
            payload: typeof body === 'string' ? body : JSON.stringify(body),
          });
          if (response.statusCode >= 500)
            throw new Error(`${method} ${path} answered ${response.statusCode}: ${response.body}`);
          expect(response.headers['x-request-id']).toBeDefined();
        },
      ),
      { numRuns: 300 },
    );
    const { rows } = await stack.pool.query('SELECT 1 FROM enrollments WHERE customer_id = $1', [customer.customerId]);
    expect(rows).toEqual([]);
  }, 60_000);
});

describe("the networks' callbacks", () => {
  // MDES's gateway envelope: why a call was refused is in its Details, its code first.
  const mdesRefusal = async (response: Response): Promise<string> =>
    ((await response.json()) as { Errors: { Error: { Details: string }[] } }).Errors.Error[0]!.Details;
  const signedBy = (url: string, body: string, key = stack.sandbox.keys.mdes.signing): string =>
    mdesAuthorizationHeader(url, 'POST', body, {
      consumerKey: key.kid,
      signingKeyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });

  it('refuses an unsigned, forged, replayed, tampered or stale MDES call, and declines an unknown receipt', async () => {
    const url = `${stack.apiUrl}/networks/mdes/issuerServices/1/0/authorizeService`;
    const body = JSON.stringify({
      requestId: randomUUID(),
      correlationId: 'c',
      tokenRequestorId: wallet,
      pushAccountReceipt: 'MCC-unknown',
    });
    const post = (authorization?: string, payload = body): Promise<Response> =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: payload,
      });
    expect((await post()).status).toBe(401);
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const forged = mdesAuthorizationHeader(url, 'POST', body, {
      consumerKey: stack.sandbox.keys.mdes.signing.kid,
      signingKeyPem: await exportPKCS8(privateKey),
    });
    const forgedResponse = await post(forged);
    expect(forgedResponse.status).toBe(401);
    expect(await mdesRefusal(forgedResponse)).toMatch(/^SIGNATURE_INVALID/);
    const signed = signedBy(url, body);
    const first = await post(signed);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ decision: 'DECLINED', decisionReason: 'UNKNOWN_RECEIPT' });
    const replay = await post(signed);
    expect(replay.status).toBe(401);
    expect(await mdesRefusal(replay)).toMatch(/^REPLAYED/);
    const tampered = await post(signedBy(url, body), body.replace('MCC-unknown', 'MCC-other'));
    expect(await mdesRefusal(tampered)).toMatch(/^BODY_HASH_MISMATCH/);
    // Signed ten minutes ago: older than the five minutes a call may take to arrive.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 10 * 60_000 });
    const old = signedBy(url, body);
    vi.useRealTimers();
    const stale = await post(old);
    expect(stale.status).toBe(401);
    expect(await mdesRefusal(stale)).toMatch(/^EXPIRED/);
  });
});

describe("Visa's notifications", () => {
  const url = (): string => `${stack.apiUrl}/networks/vts/notifyTokenUpdated`;
  async function notification(
    options: { issuedAt?: number; signingKey?: CryptoKey | KeyObject; kid?: string } = {},
  ): Promise<string> {
    const { keys } = stack.sandbox;
    const inner = await vtsSharedSecretJwe.encrypt(
      {
        eventType: 'TOKEN_STATUS_UPDATED',
        pushReceipt: 'VTS-unknown',
        tokenStatus: 'ACTIVE',
        statusTimestamp: new Date().toISOString(),
      },
      { apiKey: keys.vts.issuerApiKey, sharedSecret: keys.vts.issuerSharedSecret },
    );
    return new CompactSign(new TextEncoder().encode(inner))
      .setProtectedHeader({
        alg: 'PS256',
        kid: options.kid ?? keys.vts.signing.kid,
        cty: 'JWE',
        iat: options.issuedAt ?? Math.floor(Date.now() / 1000),
      })
      .sign(options.signingKey ?? keys.vts.signing.privateKey);
  }
  const post = (body: string): Promise<Response> =>
    fetch(url(), { method: 'POST', headers: { 'content-type': 'application/jose' }, body });
  // Visa's error envelope: the refusal's code leads its message.
  const detail = async (response: Response): Promise<string> =>
    ((await response.json()) as { errorResponse: { message: string } }).errorResponse.message;

  it('accepts a fresh signed notification once, and refuses its replay', async () => {
    const jws = await notification();
    expect((await post(jws)).status).toBe(200);
    const replay = await post(jws);
    expect(replay.status).toBe(401);
    expect(await detail(replay)).toMatch(/^REPLAYED/);
  });

  it('refuses a stale notification, and one signed by another key', async () => {
    const stale = await post(await notification({ issuedAt: Math.floor(Date.now() / 1000) - 600 }));
    expect(stale.status).toBe(401);
    expect(await detail(stale)).toMatch(/^EXPIRED/);
    const { privateKey } = await generateKeyPair('PS256');
    const forged = await post(await notification({ signingKey: privateKey }));
    expect(forged.status).toBe(401);
    expect(await detail(forged)).toMatch(/^SIGNATURE_INVALID/);
  });
});

describe('documentation', () => {
  it('publishes OpenAPI from the same schemas, and a docs page', async () => {
    const openapi = (await (await fetch(`${stack.apiUrl}/openapi.json`)).json()) as { paths: Record<string, object> };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/v1/enrollments', '/v1/enrollments/{id}/one-time-code', '/v1/tokens']),
    );
    const docs = await fetch(`${stack.apiUrl}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });
});
