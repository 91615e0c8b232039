import { generateKeyPairSync, randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MdesClient, type MdesPushResult } from '../../activities/networks/mdes/client.js';
import { mdesAuthorizationHeader } from '../../activities/networks/mdes/oauth1.js';
import { verifyMdesCallback } from '../../activities/networks/issuer-callbacks.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { mdesPaths } from '../../sandbox/mdes/server.js';
import { openTokenRequestorCredentials } from '../../sandbox/token-requestors/credentials.js';
import { rejectionOf } from '../support/rejection.js';
import { startHarness, type Harness } from '../support/sandbox-harness.js';

const pan = '5204731600014792';
const wallet = '50110030273';
const merchant = '50139059239';
const callbackUrl = 'https://issuer.example/push/done';

let harness: Harness;
let client: MdesClient;

beforeAll(async () => {
  harness = await startHarness();
  client = new MdesClient(harness.credentials);
});

afterAll(async () => {
  await harness.close();
});

async function push(tokenRequestorId = wallet): Promise<MdesPushResult> {
  const pushAccountId = randomUUID();
  return client.pushMultipleAccounts({
    requestId: randomUUID(),
    tokenRequestorId,
    accounts: [
      {
        pushAccountId,
        card: { accountNumber: pan, expiryMonth: '09', expiryYear: '31' },
        authenticationProof: await harness.proof(pushAccountId, 'mdes'),
      },
    ],
    callbackUrl,
    completeWebsiteActivation: true,
  });
}

/** The redirect an issuer builds: the WEB push method's URI with the receipts and MDES's signature. */
function redirectUrl(result: MdesPushResult, overrides: Record<string, string> = {}): string {
  const web = result.availablePushMethods.find((method) => method.type === 'WEB')!;
  const url = new URL(web.uri);
  const signed = result.signedData!;
  const parameters = {
    pushAccountReceipts: signed.pushAccountReceipts.join(','),
    callbackURL: signed.callbackURL ?? '',
    completeWebsiteActivation: String(signed.completeWebsiteActivation),
    accountHolderDataSupplied: String(signed.accountHolderDataSupplied),
    locale: signed.locale,
    signature: result.signature!,
    ...overrides,
  };
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return url.toString();
}

async function complete(
  tokenRequestorId: string,
  receipt: string,
): Promise<{ status: string; reason?: string; tokenUniqueReference?: string; maskedCard?: string }> {
  const response = await fetch(`${harness.sandbox.urls.tokenRequestors}/tr/${tokenRequestorId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pushAccountReceipts: receipt, callbackURL: callbackUrl }),
  });
  expect(response.status).toBe(200);
  const { outcomes } = (await response.json()) as { outcomes: { status: string; reason?: string }[] };
  return outcomes[0]!;
}

const callbacksFor = (receipt: string, name: string): Record<string, unknown>[] =>
  harness.received
    .filter((callback) => callback.name === name)
    .map((callback) => callback.payload)
    .filter((payload) =>
      name === 'authorizeService'
        ? payload.pushAccountReceipt === receipt
        : (payload.tokens as { pushAccountReceipt: string }[])[0]!.pushAccountReceipt === receipt,
    );

describe('token requestors and tokenisation with a receipt (MDES)', () => {
  it('takes the consumer from the redirect page to an ACTIVE token, and calls the issuer back, signed', async () => {
    const result = await push();
    const receipt = result.signedData!.pushAccountReceipts[0]!;

    const landing = await fetch(redirectUrl(result));
    expect(landing.status).toBe(200);
    expect(landing.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await landing.text();
    expect(html).toContain('Add your card to Sandpay');
    // The card as the network describes it (checkEligibility), not as the bank would.
    expect(html).toContain('Mastercard •••• 4792, expires 09/31');
    expect(html).toContain(`value="${receipt}"`);

    // As the browser posts the page's form.
    const done = await fetch(`${harness.sandbox.urls.tokenRequestors}/tr/${wallet}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ pushAccountReceipts: receipt, callbackURL: callbackUrl }).toString(),
    });
    const page = await done.text();
    expect(page).toContain('Added to Sandpay');
    expect(page).toContain('Mastercard •••• 4792: ACTIVE');
    expect(page).toContain(`${callbackUrl}?status=COMPLETED`);

    await harness.sandbox.settle();
    expect(callbacksFor(receipt, 'authorizeService')).toHaveLength(1);
    const [notification] = callbacksFor(receipt, 'notifyTokenUpdated');
    expect(notification).toMatchObject({
      reasonCode: 'STATUS_UPDATE',
      tokens: [{ status: 'ACTIVE', tokenRequestorId: wallet }],
    });
    expect(await harness.ledger('mdes', { kind: 'tokenize', receipt })).toHaveLength(1);
    expect(harness.refused).toEqual([]);
  });

  it('refuses a redirect whose signature was tampered with, or that adds a receipt MDES did not sign', async () => {
    const result = await push();
    const [header, payload, signature] = result.signature!.split('.') as [string, string, string];
    const tampered = await fetch(
      redirectUrl(result, { signature: `${header}.${payload}.${signature.slice(0, -4)}AAAA` }),
    );
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('does not verify');

    const other = await push();
    const added = await fetch(
      redirectUrl(result, {
        pushAccountReceipts: [...result.signedData!.pushAccountReceipts, ...other.signedData!.pushAccountReceipts].join(
          ',',
        ),
      }),
    );
    expect(added.status).toBe(400);
    expect(await added.text()).toContain('not the ones Mastercard signed');
  });

  it('refuses a callback URL that is not http(s), which its page would link to', async () => {
    const result = await push();
    const response = await fetch(redirectUrl(result, { callbackURL: 'javascript:alert(1)' }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('callbackURL');
  });

  it('refuses a receipt used after its validity, without asking the issuer', async () => {
    const result = await push();
    const receipt = result.signedData!.pushAccountReceipts[0]!;
    const expired = await fetch(`${harness.sandbox.urls.mdes}/sandbox/receipts/${receipt}/expire`, { method: 'POST' });
    expect(expired.status).toBe(200);
    const landing = await (await fetch(redirectUrl(result))).text();
    expect(landing).toContain('A card that cannot be added: This push account receipt expired');
    expect(landing).not.toContain('<form');
    const outcome = await complete(wallet, receipt);
    expect(outcome.status).toBe('REFUSED');
    expect(outcome.reason).toMatch(/^PUSH_ACCOUNT_RECEIPT_EXPIRED: .*the issuer must push the card again/);
    expect(callbacksFor(receipt, 'authorizeService')).toEqual([]);
  });

  it('lets receipts expire by themselves when the lifetime knob is short', async () => {
    await harness.knobs('mdes', { receipts: { lifetimeSeconds: 1 } });
    let result: MdesPushResult;
    try {
      result = await push();
    } finally {
      await harness.knobs('mdes', { receipts: { lifetimeSeconds: null } });
    }
    const knobs = (await (await fetch(`${harness.sandbox.urls.mdes}/sandbox/knobs`)).json()) as { receipts: object };
    expect(knobs.receipts).toEqual({});
    await sleep(1_100); // the sandbox's receipts expire on its wall clock, 1 s after the push
    const outcome = await complete(wallet, result.signedData!.pushAccountReceipts[0]!);
    expect(outcome.reason).toMatch(/^PUSH_ACCOUNT_RECEIPT_EXPIRED/);
  });

  it('uses a receipt once: a second tokenisation is refused', async () => {
    const receipt = (await push()).signedData!.pushAccountReceipts[0]!;
    expect((await complete(wallet, receipt)).status).toBe('ACTIVE');
    const again = await complete(wallet, receipt);
    expect(again.reason).toMatch(/^PUSH_ACCOUNT_RECEIPT_ALREADY_USED/);
    expect(await harness.ledger('mdes', { kind: 'tokenize', receipt })).toHaveLength(1);
  });

  it('refuses a receipt issued for another token requestor', async () => {
    const receipt = (await push(merchant)).signedData!.pushAccountReceipts[0]!;
    const outcome = await complete(wallet, receipt);
    expect(outcome.reason).toMatch(/^INVALID_PUSH_ACCOUNT_RECEIPT: .*issued for token requestor 50139059239/);
  });

  it("takes a token requestor's calls only signed with its own credentials, for itself", async () => {
    const receipt = (await push()).signedData!.pushAccountReceipts[0]!;
    const credentials = await openTokenRequestorCredentials(path.join(harness.dataDir, 'sandbox'), []);
    const body = (tokenRequestorId: string): string =>
      JSON.stringify({
        requestId: randomUUID(),
        tokenRequestorId,
        tokenType: 'CLOUD',
        fundingAccountInfo: { pushAccountReceipt: receipt },
      });
    const tokenize = (text: string, authorization?: string): Promise<Response> =>
      fetch(`${harness.sandbox.urls.mdes}${mdesPaths.tokenize}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: text,
      });
    const signedBy = (owner: string, text: string): string =>
      mdesAuthorizationHeader(
        `${harness.sandbox.urls.mdes}${mdesPaths.tokenize}`,
        'POST',
        text,
        credentials.get(owner)!.mdes,
      );

    const unsigned = await tokenize(body(wallet));
    expect(unsigned.status).toBe(401);
    expect(JSON.stringify(await unsigned.json())).toContain('AUTHENTICATION_FAILED');
    // The issuer's credentials are not a token requestor's.
    const asIssuer = body(wallet);
    expect(
      (
        await tokenize(
          asIssuer,
          mdesAuthorizationHeader(`${harness.sandbox.urls.mdes}${mdesPaths.tokenize}`, 'POST', asIssuer, {
            consumerKey: harness.credentials.mdes.consumerKey,
            signingKeyPem: harness.credentials.mdes.signingKeyPem!,
          }),
        )
      ).status,
    ).toBe(401);
    // The merchant's own credentials, claiming to be the wallet.
    const impersonation = body(wallet);
    const refused = await tokenize(impersonation, signedBy(merchant, impersonation));
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).toContain(`token requestor ${merchant}'s`);
    expect(await harness.ledger('mdes', { kind: 'tokenize', receipt })).toHaveLength(0);
    // The wallet, signing for itself: tokenised.
    expect((await complete(wallet, receipt)).status).toBe('ACTIVE');
  });

  it('declines when the issuer declines, and sends no token notification', async () => {
    harness.decision.current = 'DECLINED';
    try {
      const receipt = (await push()).signedData!.pushAccountReceipts[0]!;
      expect((await complete(wallet, receipt)).status).toBe('DECLINED');
      await harness.sandbox.settle();
      expect(callbacksFor(receipt, 'authorizeService')).toHaveLength(1);
      expect(callbacksFor(receipt, 'notifyTokenUpdated')).toEqual([]);
    } finally {
      harness.decision.current = 'APPROVED';
    }
  });

  it('duplicates and reorders notifications when the knobs say so', async () => {
    await harness.knobs('mdes', { notifications: { duplicate: true, outOfOrder: true } });
    try {
      const receipt = (await push()).signedData!.pushAccountReceipts[0]!;
      expect((await complete(wallet, receipt)).status).toBe('ACTIVE');
      await harness.sandbox.settle();
      const tokens = callbacksFor(receipt, 'notifyTokenUpdated').map(
        (payload) => (payload.tokens as { status: string; statusTimestamp: string }[])[0]!,
      );
      expect(tokens.map((token) => token.status)).toEqual(['ACTIVE', 'ACTIVE', 'INACTIVE', 'INACTIVE']);
      expect(Date.parse(tokens[2]!.statusTimestamp)).toBeLessThan(Date.parse(tokens[0]!.statusTimestamp));
    } finally {
      await harness.knobs('mdes', { notifications: { duplicate: false, outOfOrder: false } });
    }
  });

  it('has a token requestor that never completes: no tokenisation reaches the network', async () => {
    await harness.knobs('tokenRequestors', { tokenRequestors: { neverComplete: [wallet] } });
    try {
      const receipt = (await push()).signedData!.pushAccountReceipts[0]!;
      expect((await complete(wallet, receipt)).status).toBe('PENDING');
      expect(await harness.ledger('tokenRequestors', { kind: 'tokenize.withheld' })).toHaveLength(1);
      expect(await harness.ledger('mdes', { kind: 'tokenize', receipt })).toEqual([]);
    } finally {
      await harness.knobs('tokenRequestors', { tokenRequestors: { neverComplete: [] } });
    }
  });

  it('tells the issuer of later lifecycle changes of a token', async () => {
    const receipt = (await push()).signedData!.pushAccountReceipts[0]!;
    const { tokenUniqueReference } = await complete(wallet, receipt);
    const changed = await fetch(`${harness.sandbox.urls.mdes}/sandbox/tokens/${tokenUniqueReference}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'SUSPENDED' }),
    });
    expect(changed.status).toBe(200);
    await harness.sandbox.settle();
    const statuses = callbacksFor(receipt, 'notifyTokenUpdated').map(
      (payload) => (payload.tokens as { status: string }[])[0]!.status,
    );
    expect(statuses).toEqual(['ACTIVE', 'SUSPENDED']);
  });

  it('refuses bad knobs with a 400 naming the field', async () => {
    const response = await fetch(`${harness.sandbox.urls.mdes}/sandbox/knobs`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: { serverErrorRate: 2 } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/^faults\.serverErrorRate: /);
  });
});

describe("the issuer's verification of MDES's callbacks", () => {
  const url = 'http://127.0.0.1:3000/networks/mdes/issuerServices/1/0/notifyTokenUpdated';
  const body = JSON.stringify({ requestId: randomUUID(), reasonCode: 'STATUS_UPDATE', tokens: [] });
  const signedBy = (signingKeyPem: string, consumerKey: string, text = body): string =>
    mdesAuthorizationHeader(url, 'POST', text, { consumerKey, signingKeyPem });
  const mdesKey = (): { pem: string; kid: string } => ({
    pem: harness.sandbox.keys.mdes.signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    kid: harness.sandbox.keys.mdes.signing.kid,
  });
  const claims = (): ((value: string) => Promise<boolean>) => {
    const seen = new Set<string>();
    return (value) => Promise.resolve(!seen.has(value) && Boolean(seen.add(value)));
  };

  it('accepts a call MDES signed once, and refuses its replay', async () => {
    const { pem, kid } = mdesKey();
    const claim = claims();
    const request = { method: 'POST', url, body, authorization: signedBy(pem, kid) };
    await verifyMdesCallback(request, harness.credentials, claim);
    const replay = await rejectionOf(verifyMdesCallback(request, harness.credentials, claim), CryptoFailure);
    expect(replay.code).toBe(CryptoFailureCode.Replayed);
  });

  it('refuses a changed body, a stranger key and a stale timestamp', async () => {
    const { pem, kid } = mdesKey();
    const changed = await rejectionOf(
      verifyMdesCallback(
        { method: 'POST', url, body: `${body} `, authorization: signedBy(pem, kid) },
        harness.credentials,
        claims(),
      ),
      CryptoFailure,
    );
    expect(changed.code).toBe(CryptoFailureCode.BodyHashMismatch);

    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const forged = await rejectionOf(
      verifyMdesCallback(
        { method: 'POST', url, body, authorization: signedBy(stranger, kid) },
        harness.credentials,
        claims(),
      ),
      CryptoFailure,
    );
    expect(forged.code).toBe(CryptoFailureCode.SignatureInvalid);

    const stale = await rejectionOf(
      verifyMdesCallback(
        { method: 'POST', url, body, authorization: signedBy(pem, kid) },
        harness.credentials,
        claims(),
        new Date(Date.now() + 10 * 60_000),
      ),
      CryptoFailure,
    );
    expect(stale.code).toBe(CryptoFailureCode.Expired);
  });
});
