import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRsaKeyWithCertificate } from '../../activities/keys/rsa-key-with-certificate.js';
import { NetworkCredentials, type NetworkCredentialsDocument } from '../../activities/keys/network-credentials.js';
import { MdesClient, type MdesPushAccount, type MdesPushResult } from '../../activities/networks/mdes/client.js';
import { ErrorType } from '../../domain/errors.js';
import { tokenRequestors } from '../../sandbox/token-requestors/catalogue.js';
import { logoOf } from '../../sandbox/token-requestors/logos.js';
import { rejectionOf } from '../support/rejection.js';
import { startHarness, type Harness } from '../support/sandbox-harness.js';

// Test card numbers (Luhn-valid, Mastercard ranges).
const cards = {
  credit: '5204731600014792',
  debit: '5306889942833340',
  another: '5555555555554444',
};
const wallet = '50110030273'; // Sandpay Wallet: ANDROID, IOS, WEB; several cards per push
const singleCardWallet = '50120041835'; // Orchard Pay

let harness: Harness;
let client: MdesClient;

beforeAll(async () => {
  harness = await startHarness();
  client = new MdesClient(harness.credentials, { timeoutMs: 5_000 });
});

afterAll(async () => {
  await harness.close();
});

async function account(pan: string, overrides: Partial<MdesPushAccount> = {}): Promise<MdesPushAccount> {
  const pushAccountId = overrides.pushAccountId ?? randomUUID();
  return {
    pushAccountId,
    card: { accountNumber: pan, expiryMonth: '09', expiryYear: '31' },
    accountHolderData: { accountHolderName: 'Ada Lovelace' },
    authenticationProof: await harness.proof(pushAccountId, 'mdes'),
    ...overrides,
  };
}

/** One push, as an activity would send it again: the same requestId and account, freshly encrypted and proven. */
function samePush(requestId: string, pushAccountId: string): () => Promise<MdesPushResult> {
  return async () =>
    client.pushMultipleAccounts({
      requestId,
      tokenRequestorId: wallet,
      accounts: [await account(cards.credit, { pushAccountId })],
    });
}

describe('MDES Token Connect sandbox, through the issuer client', () => {
  it('lists the token requestors eligible for an account range, with the fields MDES returns', async () => {
    const requestors = await client.getEligibleTokenRequestors({
      requestId: randomUUID(),
      accountRanges: ['520473160'],
    });
    expect(requestors.map((requestor) => requestor.tokenRequestorType).sort()).toEqual([
      'MERCHANT',
      'WALLET',
      'WALLET',
      'WALLET',
      'WALLET',
      'WALLET',
    ]);
    expect(requestors.find((requestor) => requestor.name === 'Apple Pay (sandbox)')).toMatchObject({
      tokenRequestorType: 'WALLET',
      enabledAccountRanges: ['5204731600000000000'],
      supportedPushMethods: ['IOS', 'WEB'],
      supportsMultiplePushedCards: false,
    });
    const sandpay = requestors.find((requestor) => requestor.tokenRequestorId === wallet)!;
    expect(sandpay).toMatchObject({
      name: 'Sandpay Wallet',
      consumerFacingEntityName: 'Sandpay',
      walletId: '216',
      enabledAccountRanges: ['5204731600000000000'],
      supportedPushMethods: ['ANDROID', 'IOS', 'WEB'],
      supportsMultiplePushedCards: true,
      supportsCardHolderAuthentication: true,
      supportIssuerInitiatedDigitizationData: true,
    });
    expect(sandpay.availablePushMethods.map((method) => method.type)).toEqual(['ANDROID', 'IOS', 'WEB']);
    for (const method of sandpay.availablePushMethods) expect(method.uri.length).toBeLessThanOrEqual(128);
  });

  it('refuses more than 25 account ranges as a business error, named', async () => {
    const error = await rejectionOf(
      client.getEligibleTokenRequestors({
        requestId: randomUUID(),
        accountRanges: Array(26).fill('520473160') as string[],
      }),
      ApplicationFailure,
    );
    expect(error.type).toBe(ErrorType.NetworkRejectedRequest);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toMatch(/accountRanges/);
  });

  it('serves each token requestor logo as SVG and as a 192x192 PNG, the SVG also at the token requestor', async () => {
    const requestors = await client.getEligibleTokenRequestors({
      requestId: randomUUID(),
      accountRanges: ['520473160'],
    });
    expect(requestors).toHaveLength(tokenRequestors.length);
    for (const requestor of requestors) {
      const profile = tokenRequestors.find((candidate) => candidate.tokenRequestorId === requestor.tokenRequestorId)!;
      const { svg, png } = logoOf(profile);
      const media = await client.getAsset(requestor.imageAssetId);
      expect(media.map(({ type, width, height }) => [type, width, height])).toEqual([
        ['image/svg+xml', 192, 192],
        ['image/png', 192, 192],
      ]);
      expect(Buffer.from(media[0]!.data, 'base64').equals(svg)).toBe(true);
      const served = Buffer.from(media[1]!.data, 'base64');
      expect(served.equals(png)).toBe(true);
      const image = PNG.sync.read(served);
      expect([image.width, image.height]).toEqual([192, 192]);
      const page = await fetch(`${harness.sandbox.urls.tokenRequestors}/tr/${requestor.tokenRequestorId}/logo.svg`);
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
      expect(Buffer.from(await page.arrayBuffer()).equals(svg)).toBe(true);
    }
  });

  it('pushes cards and returns receipts, digitization data and its JWS over the receipts', async () => {
    const accounts = [await account(cards.credit), await account(cards.debit)];
    const result = await client.pushMultipleAccounts({
      requestId: randomUUID(),
      tokenRequestorId: wallet,
      accounts,
      callbackUrl: 'https://issuer.example/push/done',
      requestIssuerInitiatedDigitizationData: true,
    });
    expect(result.pushAccountReceipts.map((receipt) => receipt.pushAccountId)).toEqual(
      accounts.map((a) => a.pushAccountId),
    );
    const [credit, debit] = result.pushAccountReceipts;
    expect(credit!.pushAccountReceipt).toMatch(/^MCC-[0-9a-f-]{36}$/);
    expect(debit!.pushAccountReceipt).toMatch(/^DMC-[0-9a-f-]{36}$/);
    expect(credit!.issuerInitiatedDigitizationData).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(result.signedData).toMatchObject({
      pushAccountReceipts: [credit!.pushAccountReceipt, debit!.pushAccountReceipt],
      callbackURL: 'https://issuer.example/push/done',
      accountHolderDataSupplied: true,
    });
    expect(result.availablePushMethods.map((method) => method.type)).toEqual(['ANDROID', 'IOS', 'WEB']);
    const entries = await harness.ledger('mdes', { kind: 'push' });
    expect(JSON.stringify(entries)).not.toContain(cards.credit);
  });

  it('answers a retried push (same requestId, freshly encrypted) with the same receipts, and pushes once', async () => {
    const requestId = randomUUID();
    const push = samePush(requestId, randomUUID());
    const first = await push();
    const retried = await push();
    expect(retried).toEqual(first);
    expect(await harness.ledger('mdes', { kind: 'push', requestId })).toHaveLength(1);
    expect(await harness.ledger('mdes', { kind: 'push.replayed', requestId })).toHaveLength(1);
  });

  it('answers a retry sent while the first push is still being handled with the same receipts', async () => {
    const requestId = randomUUID();
    const push = samePush(requestId, randomUUID());
    const [first, concurrent] = await Promise.all([push(), push()]);
    expect(concurrent.pushAccountReceipts).toEqual(first.pushAccountReceipts);
    expect(await harness.ledger('mdes', { kind: 'push', requestId })).toHaveLength(1);
  });

  it('refuses a requestId reused for another push', async () => {
    const requestId = randomUUID();
    await client.pushMultipleAccounts({ requestId, tokenRequestorId: wallet, accounts: [await account(cards.credit)] });
    const error = await rejectionOf(
      client.pushMultipleAccounts({ requestId, tokenRequestorId: wallet, accounts: [await account(cards.credit)] }),
      ApplicationFailure,
    );
    expect(error.type).toBe(ErrorType.NetworkRejectedRequest);
    expect(error.message).toMatch(/requestId .* already used/);
  });

  it('accepts the legacy field-level encryption profile', async () => {
    const document = {
      ...(await readCredentials()),
      mdes: { ...(await readCredentials()).mdes, encryptionProfile: 'mdes-field-level' },
    };
    const fieldLevel = new MdesClient(NetworkCredentials.parse(document));
    const result = await fieldLevel.pushMultipleAccounts({
      requestId: randomUUID(),
      tokenRequestorId: wallet,
      accounts: [await account(cards.credit)],
    });
    expect(result.pushAccountReceipts[0]!.pushAccountReceipt).toMatch(/^MCC-/);
  });

  it('encrypts for one token requestor with the profile configured for it, the others with the default', async () => {
    const document = await readCredentials();
    const merchant = '50139059239';
    const configured = new MdesClient(
      NetworkCredentials.parse({
        ...document,
        mdes: { ...document.mdes, encryptionProfileByTokenRequestor: { [merchant]: 'mdes-field-level' } },
      }),
    );
    const [toMerchant, toWallet] = [randomUUID(), randomUUID()];
    await configured.pushMultipleAccounts({
      requestId: toMerchant,
      tokenRequestorId: merchant,
      accounts: [await account(cards.credit)],
    });
    await configured.pushMultipleAccounts({
      requestId: toWallet,
      tokenRequestorId: wallet,
      accounts: [await account(cards.credit)],
    });
    const [merchantPush] = await harness.ledger('mdes', { kind: 'push', requestId: toMerchant });
    const [walletPush] = await harness.ledger('mdes', { kind: 'push', requestId: toWallet });
    expect([merchantPush!.encryption, walletPush!.encryption]).toEqual(['mdes-field-level', 'mdes-jwe']);
  });

  it('refuses a receipt validity outside 5..15 minutes, as a business error', async () => {
    const error = await rejectionOf(
      client.pushMultipleAccounts({
        requestId: randomUUID(),
        tokenRequestorId: wallet,
        accounts: [await account(cards.credit)],
        receiptValidityMinutes: 16,
      }),
      ApplicationFailure,
    );
    expect(error.type).toBe(ErrorType.NetworkRejectedRequest);
    expect(error.message).toContain(
      'INVALID_FIELD_VALUE: pushAccountReceiptsValidityPeriod is 16; it must be 5 to 15 minutes',
    );
  });

  it('refuses several cards for a token requestor that takes one per push', async () => {
    const error = await rejectionOf(
      client.pushMultipleAccounts({
        requestId: randomUUID(),
        tokenRequestorId: singleCardWallet,
        accounts: [await account(cards.credit), await account(cards.another)],
      }),
      ApplicationFailure,
    );
    expect(error.message).toContain('Orchard Pay accepts one card per push');
  });

  it('declines one card by the PAN-pattern knob and accepts the other, per card', async () => {
    await harness.knobs('mdes', { declines: { panPattern: '4444$' } });
    try {
      const result = await client.pushMultipleAccounts({
        requestId: randomUUID(),
        tokenRequestorId: wallet,
        accounts: [await account(cards.credit), await account(cards.another)],
      });
      expect(result.pushAccountReceipts[0]!.pushAccountReceipt).toMatch(/^MCC-/);
      expect(result.pushAccountReceipts[1]).toMatchObject({
        errors: [{ source: 'MDES', reasonCode: 'ACCOUNT_INELIGIBLE', recoverable: false }],
      });
      expect(result.pushAccountReceipts[1]!.pushAccountReceipt).toBeUndefined();
      expect(result.signedData!.pushAccountReceipts).toHaveLength(1);
    } finally {
      await harness.knobs('mdes', { declines: { panPattern: null } });
    }
  });

  it('declines by account range, and refuses a card outside Mastercard ranges or failing Luhn', async () => {
    await harness.knobs('mdes', { declines: { accountRanges: ['530688'] } });
    try {
      const result = await client.pushMultipleAccounts({
        requestId: randomUUID(),
        tokenRequestorId: wallet,
        accounts: [await account(cards.debit), await account('4111111111111111'), await account('5204731600014793')],
      });
      expect(result.pushAccountReceipts.map((receipt) => receipt.errors?.[0]?.reasonCode)).toEqual([
        'ACCOUNT_INELIGIBLE',
        'ACCOUNT_INELIGIBLE',
        'INVALID_FIELD_VALUE',
      ]);
      expect(result.pushAccountReceipts[2]!.errors![0]!.description).toMatch(/Luhn/);
      expect(result.signature).toBeUndefined();
    } finally {
      await harness.knobs('mdes', { declines: { accountRanges: [] } });
    }
  });

  it('names the cause of a payload encrypted for another key: CRYPTOGRAPHY_ERROR, not retried', async () => {
    const stranger = createRsaKeyWithCertificate('not the MDES key');
    const document = await readCredentials();
    const wrongKey = new MdesClient(
      NetworkCredentials.parse({
        ...document,
        mdes: { ...document.mdes, encryptionCertificates: [stranger.certificatePem] },
      }),
    );
    const error = await rejectionOf(
      wrongKey.pushMultipleAccounts({
        requestId: randomUUID(),
        tokenRequestorId: wallet,
        accounts: [await account(cards.credit)],
      }),
      ApplicationFailure,
    );
    expect(error.type).toBe(ErrorType.NetworkCryptographyError);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toMatch(/CRYPTOGRAPHY_ERROR: UNKNOWN_KEY_ID: .*not a fingerprint of this key/);
  });

  it('refuses a request signed with another OAuth key at the gateway, with the reason', async () => {
    const document = await readCredentials();
    const otherKey = createRsaKeyWithCertificate('not the issuer key');
    const badSigner = new MdesClient(
      NetworkCredentials.parse({ ...document, mdes: { ...document.mdes, signingKeyPem: otherKey.privateKeyPem } }),
    );
    const error = await rejectionOf(
      badSigner.getEligibleTokenRequestors({ requestId: randomUUID(), accountRanges: ['520473160'] }),
      ApplicationFailure,
    );
    expect(error.type).toBe(ErrorType.NetworkAuthenticationFailed);
    expect(error.message).toMatch(/AUTHENTICATION_FAILED: .*SIGNATURE_INVALID/);
  });

  it('refuses a card whose authentication proof is expired, replayed or about another account', async () => {
    const stale = await account(cards.credit);
    const staleProof = await harness.proof(stale.pushAccountId, 'mdes', { now: new Date(Date.now() - 10 * 60_000) });
    const replayed = await account(cards.credit);
    await client.pushMultipleAccounts({ requestId: randomUUID(), tokenRequestorId: wallet, accounts: [replayed] });
    const elsewhere = await account(cards.credit, {
      authenticationProof: await harness.proof('pa-someone-else', 'mdes'),
    });
    const result = await client.pushMultipleAccounts({
      requestId: randomUUID(),
      tokenRequestorId: wallet,
      accounts: [{ ...stale, authenticationProof: staleProof }, replayed, elsewhere],
    });
    const descriptions = result.pushAccountReceipts.map(
      (receipt) => `${receipt.errors?.[0]?.reasonCode} ${receipt.errors?.[0]?.description}`,
    );
    expect(descriptions[0]).toMatch(/^AUTHORIZATION_FAILED .*EXPIRED/);
    expect(descriptions[1]).toMatch(/^AUTHORIZATION_FAILED .*REPLAYED/);
    expect(descriptions[2]).toMatch(/^AUTHORIZATION_FAILED .*not about push account/);
  });

  it('turns 5xx, 429 and timeouts into retryable failures (429 with its Retry-After)', async () => {
    await harness.knobs('mdes', { faults: { next: ['5xx', '429'], retryAfterSeconds: 7 } });
    const request = { requestId: randomUUID(), accountRanges: ['520473160'] };
    const unavailable = await rejectionOf(client.getEligibleTokenRequestors(request), ApplicationFailure);
    expect([unavailable.type, unavailable.nonRetryable]).toEqual([ErrorType.NetworkUnavailable, false]);
    const limited = await rejectionOf(client.getEligibleTokenRequestors(request), ApplicationFailure);
    expect([limited.type, limited.nonRetryable, limited.nextRetryDelay]).toEqual([
      ErrorType.NetworkRateLimited,
      false,
      7_000,
    ]);

    await harness.knobs('mdes', { faults: { next: ['timeout'], timeoutHoldMs: 3_000 } });
    const impatient = new MdesClient(harness.credentials, { timeoutMs: 300 });
    const timedOut = await rejectionOf(impatient.getEligibleTokenRequestors(request), ApplicationFailure);
    expect([timedOut.type, timedOut.nonRetryable]).toEqual([ErrorType.NetworkUnavailable, false]);
    expect(timedOut.message).toContain('did not answer getEligibleTokenRequestors within 0.3 s');
    expect((await harness.ledger('mdes', { kind: 'fault' })).map((entry) => entry.fault)).toEqual([
      '5xx',
      '429',
      'timeout',
    ]);
    expect(await client.getEligibleTokenRequestors(request)).toHaveLength(6);
  });

  it('adds the configured latency, and fails every call at a rate of 1', async () => {
    const request = { requestId: randomUUID(), accountRanges: ['520473160'] };
    await harness.knobs('mdes', { latencyMs: 300 });
    const started = performance.now();
    await client.getEligibleTokenRequestors(request);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await harness.knobs('mdes', { latencyMs: 0, faults: { serverErrorRate: 1 } });
    try {
      for (let call = 0; call < 3; call += 1) {
        expect((await rejectionOf(client.getEligibleTokenRequestors(request), ApplicationFailure)).type).toBe(
          ErrorType.NetworkUnavailable,
        );
      }
    } finally {
      await harness.knobs('mdes', { faults: { serverErrorRate: 0 } });
    }
  });

  it('keeps its receipts across a restart: a retried push after it still gets the same receipts', async () => {
    const requestId = randomUUID();
    const pushAccountId = randomUUID();
    const first = await client.pushMultipleAccounts({
      requestId,
      tokenRequestorId: wallet,
      accounts: [await account(cards.credit, { pushAccountId })],
    });
    await harness.restartSandbox();
    const restarted = new MdesClient(harness.credentials);
    const again = await restarted.pushMultipleAccounts({
      requestId,
      tokenRequestorId: wallet,
      accounts: [await account(cards.credit, { pushAccountId })],
    });
    expect(again.pushAccountReceipts).toEqual(first.pushAccountReceipts);
    client = restarted;
  });
});

async function readCredentials(): Promise<NetworkCredentialsDocument> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(harness.sandbox.credentialsFile, 'utf8')) as NetworkCredentialsDocument;
}
