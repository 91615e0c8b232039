import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NetworkCredentials, type NetworkCredentialsDocument } from '../../activities/keys/network-credentials.js';
import { VtsClient, type VtsPushRequest } from '../../activities/networks/vts/client.js';
import { ErrorType } from '../../domain/errors.js';
import { xPayToken } from '../../activities/networks/vts/x-pay-token.js';
import { openTokenRequestorCredentials } from '../../sandbox/token-requestors/credentials.js';
import type { TokenisationOutcome } from '../../sandbox/token-requestors/server.js';
import { vtsPaths } from '../../sandbox/vts/server.js';
import { rejectionOf } from '../support/rejection.js';
import { startHarness, type Harness } from '../support/sandbox-harness.js';

// Test card numbers (Luhn-valid, Visa ranges).
const cards = {
  classic: '4111111111111111',
  gold: '4012888888881881',
  debit: '4000056655665556',
};
const wallet = '50110030273'; // Sandpay Wallet: ANDROID, IOS, WEB; several cards per push
const singleCardWallet = '50120041835'; // Orchard Pay: IOS, WEB; one card per push
const merchant = '50139059239'; // Market Street: WEB
const applePay = '50140052916'; // Apple Pay (sandbox): IOS; one card at a time
const googlePay = '50150067402'; // Google Pay (sandbox): ANDROID and WEB
const samsungPay = '50160071138'; // Samsung Pay (sandbox): ANDROID and WEB
const receiptPattern = /^VTS-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type PushedCard = VtsPushRequest['cards'][number];

let harness: Harness;
let client: VtsClient;

beforeAll(async () => {
  harness = await startHarness();
  client = new VtsClient(harness.credentials, { timeoutMs: 5_000 });
});

afterAll(async () => {
  await harness.close();
});

async function card(pan: string, overrides: Partial<PushedCard> = {}): Promise<PushedCard> {
  const clientCardId = overrides.clientCardId ?? randomUUID();
  return {
    clientCardId,
    instrument: {
      accountNumber: pan,
      name: 'Ada Lovelace',
      expirationDate: { month: '09', year: '2031' },
      provider: {
        intent: 'PUSH_PROV_MOBILE',
        clientWalletProvider: wallet,
        clientWalletAccountID: randomUUID(),
        clientAppID: 'pushprov-contract-tests',
      },
    },
    authenticationProof: await harness.proof(clientCardId, 'vts'),
    ...overrides,
  };
}

/** Pushes one card to a token requestor and returns its receipt. */
async function pushedReceipt(pan: string, tokenRequestorId = wallet): Promise<string> {
  const result = await client.pushProvisionedCards({
    clientReferenceId: randomUUID(),
    tokenRequestorId,
    cards: [await card(pan)],
  });
  const receipt = result.pushReceipts[0]!.pushReceipt;
  expect(receipt).toMatch(receiptPattern);
  return receipt!;
}

/** The consumer confirms at the token requestor, which tokenises each receipt with VTS. */
async function complete(tokenRequestorId: string, receipts: string[]): Promise<TokenisationOutcome[]> {
  const response = await fetch(`${harness.sandbox.urls.tokenRequestors}/tr/${tokenRequestorId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pushAccountReceipts: receipts.join(',') }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { outcomes: TokenisationOutcome[] }).outcomes;
}

/** The verified callbacks the issuer received about one receipt. */
function callbacksAbout(receipt: string, name: 'authorizeService' | 'notifyTokenUpdated'): Record<string, unknown>[] {
  return harness.received
    .filter((callback) => callback.name === name && callback.payload.pushReceipt === receipt)
    .map((callback) => callback.payload);
}

function minutesAhead(expiresAt: string | undefined, minutes: number, before: number, after: number): void {
  const at = Date.parse(expiresAt ?? '');
  expect(at).toBeGreaterThanOrEqual(before + minutes * 60_000 - 1_000);
  expect(at).toBeLessThanOrEqual(after + minutes * 60_000 + 1_000);
}

describe('VTS issuer push provisioning sandbox, through the issuer client', () => {
  it('lists the token requestors enabled for Visa cards, with their push methods', async () => {
    const requestors = await client.getTokenRequestors();
    expect(requestors.map((requestor) => requestor.tokenRequestorID)).toEqual([
      wallet,
      singleCardWallet,
      merchant,
      applePay,
      googlePay,
      samsungPay,
    ]);
    const [sandpay, orchard, market, apple, google, samsung] = requestors;
    expect(sandpay).toMatchObject({
      name: 'Sandpay Wallet',
      consumerFacingEntityName: 'Sandpay',
      tokenRequestorType: 'WALLET',
      supportedPushMethods: ['ANDROID', 'IOS', 'WEB'],
      supportsMultiplePushedCards: true,
    });
    expect(orchard).toMatchObject({
      name: 'Orchard Pay',
      supportedPushMethods: ['IOS', 'WEB'],
      supportsMultiplePushedCards: false,
    });
    expect(market).toMatchObject({ tokenRequestorType: 'MERCHANT', supportedPushMethods: ['WEB'] });
    expect(apple).toMatchObject({
      name: 'Apple Pay (sandbox)',
      tokenRequestorType: 'WALLET',
      supportedPushMethods: ['IOS', 'WEB'],
      supportsMultiplePushedCards: false,
    });
    for (const [requestor, name] of [
      [google, 'Google Pay (sandbox)'],
      [samsung, 'Samsung Pay (sandbox)'],
    ] as const) {
      expect(requestor).toMatchObject({ name, tokenRequestorType: 'WALLET', supportedPushMethods: ['ANDROID', 'WEB'] });
    }
    for (const requestor of requestors) {
      expect(requestor.availablePushMethods.map((method) => method.type)).toEqual(requestor.supportedPushMethods);
      for (const method of requestor.availablePushMethods) {
        expect(method.uri).toBe(
          `${harness.sandbox.urls.tokenRequestors}/tr/${requestor.tokenRequestorID}/push/${method.type.toLowerCase()}`,
        );
      }
    }
  });

  it('pushes cards in the shared-secret profile and returns a receipt per card, valid 15 minutes', async () => {
    const clientReferenceId = randomUUID();
    const pushed = [await card(cards.classic), await card(cards.gold)];
    const before = Date.now();
    const result = await client.pushProvisionedCards({
      clientReferenceId,
      tokenRequestorId: wallet,
      cards: pushed,
      callbackUrl: 'https://issuer.example/push/done',
    });
    const after = Date.now();
    expect(result.clientReferenceID).toBe(clientReferenceId);
    expect(result.pushReceipts.map((receipt) => receipt.clientCardID)).toEqual(pushed.map((c) => c.clientCardId));
    for (const receipt of result.pushReceipts) {
      expect(receipt.errorResponse).toBeUndefined();
      expect(receipt.pushReceipt).toMatch(receiptPattern);
      minutesAhead(receipt.receiptExpiresAt, 15, before, after);
    }
    expect(new Set(result.pushReceipts.map((receipt) => receipt.pushReceipt)).size).toBe(2);
    expect(result.availablePushMethods.map((method) => method.type)).toEqual(['ANDROID', 'IOS', 'WEB']);
    const entries = await harness.ledger('vts', { kind: 'push', requestId: clientReferenceId });
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(await harness.ledger('vts'))).not.toMatch(
      new RegExp(`${cards.classic}|${cards.gold}|${cards.debit}`),
    );
  });

  it('pushes a card in the RSA profile, valid for the minutes asked', async () => {
    const document = await readCredentials();
    const rsa = new VtsClient(
      NetworkCredentials.parse({ ...document, vts: { ...document.vts, encryptionProfile: 'vts-rsa-jwe' } }),
    );
    const before = Date.now();
    const result = await rsa.pushProvisionedCards({
      clientReferenceId: randomUUID(),
      tokenRequestorId: singleCardWallet,
      cards: [await card(cards.debit)],
      receiptValidityMinutes: 5,
    });
    const after = Date.now();
    const [receipt] = result.pushReceipts;
    expect(receipt!.pushReceipt).toMatch(receiptPattern);
    minutesAhead(receipt!.receiptExpiresAt, 5, before, after);
    expect(result.availablePushMethods.map((method) => method.type)).toEqual(['IOS', 'WEB']);
  });

  it('answers a retried push (same clientReferenceID, freshly encrypted, fresh proofs) with the same receipts, and pushes once', async () => {
    const clientReferenceId = randomUUID();
    const clientCardIds = [randomUUID(), randomUUID()];
    const push = async (): Promise<Awaited<ReturnType<VtsClient['pushProvisionedCards']>>> =>
      client.pushProvisionedCards({
        clientReferenceId,
        tokenRequestorId: wallet,
        cards: [
          await card(cards.classic, { clientCardId: clientCardIds[0]! }),
          await card(cards.gold, { clientCardId: clientCardIds[1]! }),
        ],
      });
    const first = await push();
    const retried = await push();
    expect(retried).toEqual(first);
    expect(first.pushReceipts.every((receipt) => receiptPattern.test(receipt.pushReceipt ?? ''))).toBe(true);
    expect(await harness.ledger('vts', { kind: 'push', requestId: clientReferenceId })).toHaveLength(1);
    expect(await harness.ledger('vts', { kind: 'push.replayed', requestId: clientReferenceId })).toHaveLength(1);
  });

  it('answers a retry sent while the first push is still being handled with the same receipts, and pushes once', async () => {
    const clientReferenceId = randomUUID();
    const clientCardId = randomUUID();
    const push = async (): Promise<Awaited<ReturnType<VtsClient['pushProvisionedCards']>>> =>
      client.pushProvisionedCards({
        clientReferenceId,
        tokenRequestorId: wallet,
        cards: [await card(cards.classic, { clientCardId })],
      });
    const [first, retried] = await Promise.all([push(), push()]);
    expect(retried).toEqual(first);
    expect(first.pushReceipts[0]!.pushReceipt).toMatch(receiptPattern);
    expect(await harness.ledger('vts', { kind: 'push', requestId: clientReferenceId })).toHaveLength(1);
    expect(await harness.ledger('vts', { kind: 'push.replayed', requestId: clientReferenceId })).toHaveLength(1);
  });

  it('refuses a clientReferenceID reused for another push', async () => {
    const clientReferenceId = randomUUID();
    await client.pushProvisionedCards({
      clientReferenceId,
      tokenRequestorId: wallet,
      cards: [await card(cards.classic)],
    });
    const error = await rejectionOf(
      client.pushProvisionedCards({
        clientReferenceId,
        tokenRequestorId: wallet,
        cards: [await card(cards.classic)],
      }),
      ApplicationFailure,
    );
    expect(error.type).toBe(ErrorType.NetworkRejectedRequest);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain(`duplicateRequest: clientReferenceID ${clientReferenceId} was already used`);
    expect(error.details).toEqual([
      { network: 'VTS', operation: 'pushProvisionedCards', status: 409, reasonCode: 'duplicateRequest' },
    ]);
    expect(await harness.ledger('vts', { kind: 'push', requestId: clientReferenceId })).toHaveLength(1);
  });

  it('refuses an x-pay-token made with another shared secret, saying invalidXPayToken', async () => {
    const document = await readCredentials();
    const wrongSecret = new VtsClient(
      NetworkCredentials.parse({
        ...document,
        vts: { ...document.vts, sharedSecrets: ['not-the-shared-secret-visa-issued'] },
      }),
    );
    const error = await rejectionOf(wrongSecret.getTokenRequestors(), ApplicationFailure);
    expect(error.type).toBe(ErrorType.NetworkAuthenticationFailed);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toMatch(
      /invalidXPayToken: SIGNATURE_INVALID: x-pay-token does not match.*\(at x-pay-token\)/,
    );
  });

  it('refuses a receipt validity of 3 minutes as a business error naming receiptValidityMinutes', async () => {
    const error = await rejectionOf(
      client.pushProvisionedCards({
        clientReferenceId: randomUUID(),
        tokenRequestorId: wallet,
        cards: [await card(cards.classic)],
        receiptValidityMinutes: 3,
      }),
      ApplicationFailure,
    );
    expect(error.type).toBe(ErrorType.NetworkRejectedRequest);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain('invalidParameter: receiptValidityMinutes must be 5 to 15');
  });

  it('names the cause of an RSA payload encrypted for a key id Visa did not assign: not retried', async () => {
    const document = await readCredentials();
    const [visaKey] = document.vts.encryptionKeys;
    const unknownKid = new VtsClient(
      NetworkCredentials.parse({
        ...document,
        vts: {
          ...document.vts,
          encryptionProfile: 'vts-rsa-jwe',
          encryptionKeys: [{ kid: 'NOT-A-VISA-KEY-ID', publicKeyPem: visaKey!.publicKeyPem }],
        },
      }),
    );
    const error = await rejectionOf(
      unknownKid.pushProvisionedCards({
        clientReferenceId: randomUUID(),
        tokenRequestorId: wallet,
        cards: [await card(cards.classic)],
      }),
      ApplicationFailure,
    );
    expect(error.type).toBe(ErrorType.NetworkCryptographyError);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toMatch(
      /invalidEncryption: UNKNOWN_KEY_ID: .*key id NOT-A-VISA-KEY-ID.*\(at cards\[0\]\.encPaymentInstrument\)/,
    );
  });

  it('refuses several cards for a token requestor that takes one per push', async () => {
    const clientReferenceId = randomUUID();
    const error = await rejectionOf(
      client.pushProvisionedCards({
        clientReferenceId,
        tokenRequestorId: singleCardWallet,
        cards: [await card(cards.classic), await card(cards.gold)],
      }),
      ApplicationFailure,
    );
    expect(error.type).toBe(ErrorType.NetworkRejectedRequest);
    expect(error.message).toContain('invalidParameter: Orchard Pay accepts one card per push (at cards)');
    expect(await harness.ledger('vts', { kind: 'push', requestId: clientReferenceId })).toEqual([]);
  });

  it('refuses a card failing the Luhn check as an invalid parameter, and records it so', async () => {
    const clientReferenceId = randomUUID();
    const invalid = await card('4111111111111112');
    const result = await client.pushProvisionedCards({
      clientReferenceId,
      tokenRequestorId: wallet,
      cards: [invalid, await card(cards.debit)],
    });
    expect(result.pushReceipts[0]!.errorResponse).toMatchObject({
      status: 422,
      reason: 'invalidParameter',
      message: 'The account number fails the Luhn check',
      details: [{ location: 'cards[0].encPaymentInstrument.accountNumber' }],
    });
    expect(result.pushReceipts[1]!.pushReceipt).toMatch(receiptPattern);
    const [entry] = await harness.ledger('vts', { kind: 'push', requestId: clientReferenceId });
    expect(entry!.declined).toEqual([{ pushAccountId: invalid.clientCardId, reasonCode: 'invalidParameter' }]);
    expect(JSON.stringify(entry)).not.toContain('4111111111111112');
  });

  it('declines one card by the account-range knob and gives the other its receipt', async () => {
    await harness.knobs('vts', { declines: { accountRanges: ['401288'] } });
    try {
      const pushed = [await card(cards.classic), await card(cards.gold)];
      const result = await client.pushProvisionedCards({
        clientReferenceId: randomUUID(),
        tokenRequestorId: wallet,
        cards: pushed,
      });
      const [accepted, declined] = result.pushReceipts;
      expect(accepted).toMatchObject({ clientCardID: pushed[0]!.clientCardId });
      expect(accepted!.pushReceipt).toMatch(receiptPattern);
      expect(accepted!.errorResponse).toBeUndefined();
      expect(declined!.clientCardID).toBe(pushed[1]!.clientCardId);
      expect(declined!.pushReceipt).toBeUndefined();
      expect(declined!.errorResponse).toMatchObject({ status: 422, reason: 'cardNotEligible' });
    } finally {
      await harness.knobs('vts', { declines: { accountRanges: [] } });
    }
  });

  it('refuses a card whose authentication proof is expired, replayed or about another card, per card', async () => {
    const stale = await card(cards.classic);
    const staleProof = await harness.proof(stale.clientCardId, 'vts', { now: new Date(Date.now() - 10 * 60_000) });
    const replayed = await card(cards.gold);
    await client.pushProvisionedCards({ clientReferenceId: randomUUID(), tokenRequestorId: wallet, cards: [replayed] });
    const elsewhere = await card(cards.debit, { authenticationProof: await harness.proof(randomUUID(), 'vts') });
    const fine = await card(cards.classic);
    const result = await client.pushProvisionedCards({
      clientReferenceId: randomUUID(),
      tokenRequestorId: wallet,
      cards: [{ ...stale, authenticationProof: staleProof }, replayed, elsewhere, fine],
    });
    const [expired, again, other, accepted] = result.pushReceipts;
    for (const refused of [expired, again, other]) {
      expect(refused!.pushReceipt).toBeUndefined();
      expect(refused!.errorResponse).toMatchObject({
        status: 401,
        reason: 'authenticationFailed',
        details: [{ location: 'issuerAuthenticationProof' }],
      });
    }
    expect(expired!.errorResponse!.message).toMatch(/^issuerAuthenticationProof EXPIRED/);
    expect(again!.errorResponse!.message).toMatch(/^issuerAuthenticationProof REPLAYED/);
    expect(other!.errorResponse!.message).toContain(`not about push account ${elsewhere.clientCardId}`);
    expect(accepted!.pushReceipt).toMatch(receiptPattern);
  });

  it('turns 5xx, 429 and timeouts into retryable failures (429 with its Retry-After)', async () => {
    await harness.knobs('vts', { faults: { next: ['5xx', '429'], retryAfterSeconds: 7 } });
    const unavailable = await rejectionOf(client.getTokenRequestors(), ApplicationFailure);
    expect([unavailable.type, unavailable.nonRetryable]).toEqual([ErrorType.NetworkUnavailable, false]);
    expect(unavailable.message).toBe('VTS answered tokenRequestors with HTTP 503');
    const limited = await rejectionOf(client.getTokenRequestors(), ApplicationFailure);
    expect([limited.type, limited.nonRetryable, limited.nextRetryDelay]).toEqual([
      ErrorType.NetworkRateLimited,
      false,
      7_000,
    ]);

    await harness.knobs('vts', { faults: { next: ['timeout'], timeoutHoldMs: 3_000 } });
    const impatient = new VtsClient(harness.credentials, { timeoutMs: 300 });
    const timedOut = await rejectionOf(impatient.getTokenRequestors(), ApplicationFailure);
    expect([timedOut.type, timedOut.nonRetryable]).toEqual([ErrorType.NetworkUnavailable, false]);
    expect(timedOut.message).toBe('VTS did not answer tokenRequestors within 0.3 s');
    expect((await harness.ledger('vts', { kind: 'fault' })).map((entry) => entry.fault)).toEqual([
      '5xx',
      '429',
      'timeout',
    ]);
    expect(await client.getTokenRequestors()).toHaveLength(6);
  });

  it('tokenises with a push receipt: the token requestor gets an active token, the issuer is asked and told', async () => {
    const refusedBefore = harness.refused.length;
    const receipt = await pushedReceipt(cards.classic);
    const [outcome] = await complete(wallet, [receipt]);
    expect(outcome).toMatchObject({ pushAccountReceipt: receipt, status: 'ACTIVE', maskedCard: 'Visa •••• 1111' });
    expect(outcome!.tokenUniqueReference).toMatch(/^[0-9a-f]{32}$/);
    await harness.sandbox.settle();

    const [authorization, ...moreAuthorizations] = callbacksAbout(receipt, 'authorizeService');
    expect(moreAuthorizations).toEqual([]);
    expect(authorization).toMatchObject({ tokenRequestorID: wallet, paymentInstrument: { last4: '1111' } });
    const notifications = callbacksAbout(receipt, 'notifyTokenUpdated');
    expect(notifications).toEqual([
      expect.objectContaining({
        eventType: 'TOKEN_STATUS_UPDATED',
        pushReceipt: receipt,
        tokenRequestorID: wallet,
        tokenStatus: 'ACTIVE',
        vProvisionedTokenID: outcome!.tokenUniqueReference,
      }),
    ]);
    expect(harness.refused).toHaveLength(refusedBefore);
    const tokenisations = await harness.ledger('vts', { kind: 'tokenize', receipt });
    expect(tokenisations).toHaveLength(1);
    expect(tokenisations[0]!.decision).toBe('APPROVED');
    expect(JSON.stringify(await harness.ledger('tokenRequestors'))).not.toContain(cards.classic);
  });

  it('refuses a push receipt used a second time', async () => {
    const receipt = await pushedReceipt(cards.gold);
    const [first] = await complete(wallet, [receipt]);
    expect(first!.status).toBe('ACTIVE');
    const [second] = await complete(wallet, [receipt]);
    expect(second).toMatchObject({ pushAccountReceipt: receipt, status: 'REFUSED' });
    expect(second!.reason).toMatch(/^pushReceiptAlreadyUsed: /);
    await harness.sandbox.settle();
    expect(callbacksAbout(receipt, 'authorizeService')).toHaveLength(1);
    expect(await harness.ledger('vts', { kind: 'tokenize', receipt })).toHaveLength(1);
  });

  it("takes a token requestor's calls only with its own apikey and x-pay-token, for itself", async () => {
    const receipt = await pushedReceipt(cards.gold);
    const credentials = await openTokenRequestorCredentials(path.join(harness.dataDir, 'sandbox'), []);
    const provision = (as: string | undefined, tokenRequestorID: string): Promise<Response> => {
      const body = JSON.stringify({ clientReferenceID: randomUUID(), tokenRequestorID, pushReceipt: receipt });
      const own = as ? credentials.get(as)!.vts : undefined;
      const query = own ? `apikey=${own.apiKey}` : '';
      return fetch(`${harness.sandbox.urls.vts}${vtsPaths.provisionedTokens}${query && `?${query}`}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(own && {
            'x-pay-token': xPayToken(own.sharedSecret, {
              resourcePath: vtsPaths.provisionedTokens.slice(1),
              queryString: query,
              body,
            }),
          }),
        },
        body,
      });
    };
    expect((await provision(undefined, wallet)).status).toBe(401);
    const impersonation = await provision(merchant, wallet);
    expect(impersonation.status).toBe(403);
    expect(JSON.stringify(await impersonation.json())).toContain(`token requestor ${merchant}'s`);
    expect(await harness.ledger('vts', { kind: 'tokenize', receipt })).toHaveLength(0);
    expect((await provision(wallet, wallet)).status).toBe(200);
    expect(await harness.ledger('vts', { kind: 'tokenize', receipt })).toHaveLength(1);
  });

  it('refuses an expired push receipt without asking the issuer', async () => {
    const receipt = await pushedReceipt(cards.debit);
    const expired = await fetch(`${harness.sandbox.urls.vts}/sandbox/receipts/${receipt}/expire`, { method: 'POST' });
    expect(expired.status).toBe(200);
    const [outcome] = await complete(wallet, [receipt]);
    expect(outcome).toMatchObject({ pushAccountReceipt: receipt, status: 'REFUSED' });
    expect(outcome!.reason).toMatch(/^pushReceiptExpired: .*push the card again/);
    await harness.sandbox.settle();
    expect(callbacksAbout(receipt, 'authorizeService')).toEqual([]);
    expect(await harness.ledger('vts', { kind: 'tokenize', receipt })).toEqual([]);
  });

  it('declines the token when the issuer declines, and notifies nothing', async () => {
    const receipt = await pushedReceipt(cards.classic);
    harness.decision.current = 'DECLINED';
    try {
      const [outcome] = await complete(wallet, [receipt]);
      expect(outcome).toMatchObject({ pushAccountReceipt: receipt, status: 'DECLINED', maskedCard: 'Visa •••• 1111' });
      expect(outcome!.tokenUniqueReference).toBeUndefined();
    } finally {
      harness.decision.current = 'APPROVED';
    }
    await harness.sandbox.settle();
    expect(callbacksAbout(receipt, 'authorizeService')).toHaveLength(1);
    expect(callbacksAbout(receipt, 'notifyTokenUpdated')).toEqual([]);
    const [tokenisation] = await harness.ledger('vts', { kind: 'tokenize', receipt });
    expect(tokenisation).toMatchObject({ decision: 'DECLINED' });
    expect(tokenisation!.token).toBeUndefined();
  });

  it('has the issuer refuse a notification posted a second time', async () => {
    const notifyUrl = `${harness.issuerUrl}/networks/vts/notifyTokenUpdated`;
    const receipt = await pushedReceipt(cards.gold);
    // The sandbox runs in this process: its calls to the issuer go through this fetch, where the JWS is kept.
    const sent: unknown[] = [];
    const original = globalThis.fetch;
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      if (String(input instanceof Request ? input.url : input) === notifyUrl) sent.push(init?.body);
      return original(input, init);
    });
    try {
      const [outcome] = await complete(wallet, [receipt]);
      expect(outcome!.status).toBe('ACTIVE');
      await harness.sandbox.settle();
    } finally {
      spy.mockRestore();
    }
    expect(callbacksAbout(receipt, 'notifyTokenUpdated')).toHaveLength(1);
    expect(sent).toHaveLength(1);
    const [jws] = sent as [string];
    expect(jws).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const refusedBefore = harness.refused.length;
    const replay = await fetch(notifyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/jose' },
      body: jws,
    });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: 'REPLAYED' });
    expect(harness.refused.slice(refusedBefore)).toEqual([
      { network: 'vts', name: 'notifyTokenUpdated', reason: 'This notification was already received' },
    ]);
    expect(callbacksAbout(receipt, 'notifyTokenUpdated')).toHaveLength(1);
  });
});

async function readCredentials(): Promise<NetworkCredentialsDocument> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(harness.sandbox.credentialsFile, 'utf8')) as NetworkCredentialsDocument;
}
