// The wallet provisioning route against hostile and wrong device material: each refused with its reason
// and problem type, before anything is written or started (Temporal, the database and the vault's writes
// are untouchable here), and no card number anywhere in what it answers or logs.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { generateKey } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import type { ConsumerApiDeps } from '../../api/consumer-routes.js';
import { apiLoggerOptions } from '../../api/logging.js';
import { WalletCredentials } from '../../activities/keys/wallet-credentials.js';
import type { TokenRequestorCache } from '../../activities/token-requestors/token-requestor-cache.js';
import type { CardVault } from '../../activities/vault/card-vault.js';
import { signPassKitNonce } from '../../activities/wallets/apple-pay/passkit-chain.js';
import { walletRegistry } from '../../activities/wallets/registry.js';
import type { VaultCard } from '../../db/vault-cards.js';
import { createWalletPki, type WalletPki } from '../../sandbox/wallets/device-pki.js';
import { closeAfterEach } from '../support/close-after-each.js';
import { consumerDepsFor, identityProviderForTests, testAudience } from '../support/consumer-deps.js';
import { logLines } from '../support/log-lines.js';

const identityProvider = identityProviderForTests();
const closing = closeAfterEach();
const pan = '5555555555554444';

const card: VaultCard = {
  cardRef: '7d9f3c52-6a8e-4a1b-9f00-3c2b1a0e5d11',
  customerId: 'ada',
  maskedPan: '555555******4444',
  bin: '555555',
  last4: '4444',
  expiryMonth: 12,
  expiryYear: 2030,
  network: 'MASTERCARD',
  source: 'card-on-file',
};
const applePayOnMastercard = '50110030299';

const googlePayOnMastercard = '50110030273';
const samsungPayOnMastercard = '50160071138';

let pki: WalletPki;
let strangerPki: WalletPki;
let googlePay: { opcEncryptionKeys: string[]; issuerOpcSigningKey: string; tokenRequestorIds: object };

beforeAll(async () => {
  [pki, strangerPki] = await Promise.all([createWalletPki('Sandbox Apple'), createWalletPki('Sandbox Apple')]);
  const [google, issuer] = await Promise.all(
    ['Google', 'Issuer'].map((name) => generateKey({ userIDs: [{ name }], format: 'armored' })),
  );
  googlePay = {
    opcEncryptionKeys: [google!.publicKey],
    issuerOpcSigningKey: issuer!.privateKey,
    tokenRequestorIds: { MASTERCARD: googlePayOnMastercard },
  };
});

/** The API with the wallet route over fakes: a vault holding `card` for ada, an eligible wallet, no Temporal. */
async function walletApi(behind: Partial<ConsumerApiDeps> = {}): Promise<{ app: FastifyInstance; log: () => string }> {
  const log = logLines();
  const vault = {
    cardOf: (customerId: string, id: string) =>
      Promise.resolve(customerId === card.customerId && id === card.cardRef ? card : undefined),
  } as unknown as CardVault;
  const tokenRequestors = {
    eligibility: () =>
      Promise.resolve({
        eligible: true,
        requestor: { name: 'Apple Pay' },
        takesBin: (bin: string) => bin === card.bin,
      }),
  } as unknown as TokenRequestorCache;
  const app = await buildApp(
    {
      readinessChecks: {},
      consumer: consumerDepsFor(identityProvider(), {
        vault,
        tokenRequestors,
        wallets: WalletCredentials.parse({
          APPLE_PAY: {
            trustedRoots: [pki.rootCertificatePem],
            tokenRequestorIds: { MASTERCARD: applePayOnMastercard },
          },
          GOOGLE_PAY: googlePay,
          SAMSUNG_PAY: { tokenRequestorIds: { MASTERCARD: samsungPayOnMastercard } },
        }),
        walletAdapters: walletRegistry(),
        ...behind,
      }),
    },
    { logger: { ...(apiLoggerOptions('info') as object), stream: log.stream } },
  );
  return { app: closing(app), log: log.text };
}

/** What PassKit would hand the app, signed right unless told otherwise. */
async function deviceMaterial(
  options: { scheme?: 'ECC_V2' | 'RSA_V2'; issuer?: WalletPki; expired?: boolean; signNonce?: Buffer } = {},
) {
  const scheme = options.scheme ?? 'ECC_V2';
  const device = await (options.issuer ?? pki).issueDeviceCertificate(scheme, { expired: options.expired ?? false });
  const nonce = randomBytes(16);
  return {
    certificates: device.certificates.map((der) => der.toString('base64')),
    nonce: nonce.toString('base64'),
    nonceSignature: signPassKitNonce(device.privateKey, options.signNonce ?? nonce).toString('base64'),
    encryptionScheme: scheme,
  };
}

const problemOf = (response: { json: () => unknown }) =>
  response.json() as { type: string; title: string; detail?: string; status: number };

async function provision(app: FastifyInstance, applePay: object, cardId = card.cardRef, customer = 'ada') {
  const token = await identityProvider().tokenFor(customer, testAudience);
  return app.inject({
    method: 'POST',
    url: `/v1/cards/${cardId}/wallet-provisioning`,
    headers: { authorization: `Bearer ${token}` },
    payload: { wallet: 'APPLE_PAY', deviceType: 'MOBILE_PHONE', sessionAssertion: 'aaa.bbb.ccc', applePay },
  });
}

describe('a wallet provisioning request', () => {
  it('is refused with its reason and problem type when the wallet would not vouch for the device', async () => {
    const { app, log } = await walletApi();
    const otherKey = (await pki.issueDeviceCertificate('ECC_V2')).privateKey;
    const good = await deviceMaterial();
    const vectors: [string, object, number, string][] = [
      ['wrong nonce', { ...good, nonce: randomBytes(16).toString('base64') }, 422, 'wallet-nonce-signature-invalid'],
      [
        'nonce signed by another key',
        { ...good, nonceSignature: signPassKitNonce(otherKey, Buffer.from(good.nonce, 'base64')).toString('base64') },
        422,
        'wallet-nonce-signature-invalid',
      ],
      ['leaf of another CA', await deviceMaterial({ issuer: strangerPki }), 422, 'wallet-certificate-not-trusted'],
      ['expired leaf', await deviceMaterial({ expired: true }), 422, 'wallet-certificate-not-valid-now'],
      [
        'RSA leaf for ECC_V2',
        { ...(await deviceMaterial({ scheme: 'RSA_V2' })), encryptionScheme: 'ECC_V2' },
        422,
        'wallet-scheme-key-mismatch',
      ],
      ['garbage certificates', { ...good, certificates: ['AAAA', 'AAAA'] }, 400, 'wallet-certificates-malformed'],
      [
        'the leaf alone',
        { ...good, certificates: good.certificates.slice(0, 1) },
        400,
        'wallet-certificates-malformed',
      ],
    ];
    for (const [name, applePay, status, type] of vectors) {
      const response = await provision(app, applePay);
      expect([name, response.statusCode, problemOf(response).type]).toEqual([name, status, `/problems/${type}`]);
      expect(problemOf(response).detail).toEqual(expect.any(String));
    }
    expect(log()).not.toContain(pan);
  });

  it('is malformed (400) with an unknown scheme, non-canonical base64, or a nonce past 64 bytes', async () => {
    const { app } = await walletApi();
    const good = await deviceMaterial();
    for (const applePay of [
      { ...good, encryptionScheme: 'ECC_V3' },
      { ...good, nonce: good.nonce.replaceAll('=', '') },
      { ...good, nonce: Buffer.from(good.nonce, 'base64').toString('base64url') + '-_' },
      { ...good, nonce: randomBytes(65).toString('base64') },
      { ...good, certificates: [] },
      { ...good, extra: 'x' },
    ]) {
      const response = await provision(app, applePay);
      expect(response.statusCode).toBe(400);
    }
    // A card number where the device material goes is refused, and quoted nowhere in clear.
    const withCardNumber = await provision(app, { ...good, [pan]: pan });
    expect(withCardNumber.statusCode).toBe(400);
    expect(withCardNumber.body).not.toContain(pan);
  });

  it("is a 404 for a card that is not the caller's, exactly as for one that does not exist", async () => {
    const { app } = await walletApi();
    const good = await deviceMaterial();
    const someoneElses = await provision(app, good, card.cardRef, 'grace');
    const unknown = await provision(app, good, '00000000-0000-4000-8000-000000000000');
    expect([someoneElses.statusCode, unknown.statusCode]).toEqual([404, 404]);
    expect(problemOf(someoneElses).title).toBe(problemOf(unknown).title);
  });

  it('is refused (422) for a wallet not offered on the card network, or a card the wallet does not take', async () => {
    const notOnMastercard = await walletApi({
      wallets: WalletCredentials.parse({
        APPLE_PAY: { trustedRoots: [pki.rootCertificatePem], tokenRequestorIds: { VISA: '40010030273' } },
      }),
    });
    const notTaken = await walletApi({
      tokenRequestors: {
        eligibility: () => Promise.resolve({ eligible: false, reason: 'Apple Pay cannot be reached from IOS' }),
      } as unknown as TokenRequestorCache,
    });
    const good = await deviceMaterial();
    for (const { app } of [notOnMastercard, notTaken]) {
      const response = await provision(app, good);
      expect([response.statusCode, problemOf(response).type]).toEqual([422, '/problems/wallet-not-offered']);
    }
  });

  it('names problem types that the API describes', async () => {
    const { app } = await walletApi();
    const described = await app.inject({ method: 'GET', url: '/problems/wallet-nonce-replayed' });
    expect(described.statusCode).toBe(200);
    expect(described.json()).toMatchObject({ type: '/problems/wallet-nonce-replayed', status: 409 });
  });
});

const tapAndPay = { walletAccountId: 'Vk4xZXZ5d2FsbGV0', deviceId: 'c0ffee-device-01' };

async function provisionToGoogle(app: FastifyInstance, body: object, cardId = card.cardRef, customer = 'ada') {
  const token = await identityProvider().tokenFor(customer, testAudience);
  return app.inject({
    method: 'POST',
    url: `/v1/cards/${cardId}/wallet-provisioning`,
    headers: { authorization: `Bearer ${token}` },
    payload: { wallet: 'GOOGLE_PAY', deviceType: 'MOBILE_PHONE', sessionAssertion: 'aaa.bbb.ccc', ...body },
  });
}

describe('a Google Pay provisioning request', () => {
  it("is malformed (400) with ids that are not ids, unknown fields, or the other wallet's material", async () => {
    const { app, log } = await walletApi();
    for (const body of [
      { googlePay: { ...tapAndPay, deviceId: 'has spaces' } },
      { googlePay: { ...tapAndPay, walletAccountId: 'x'.repeat(129) } },
      { googlePay: { ...tapAndPay, walletAccountId: '' } },
      { googlePay: { walletAccountId: tapAndPay.walletAccountId } },
      { googlePay: { ...tapAndPay, extra: 'x' } },
      { googlePay: tapAndPay, applePay: {} },
      { applePay: tapAndPay },
      { googlePay: tapAndPay, deviceType: 'FRIDGE' },
    ]) {
      const response = await provisionToGoogle(app, body);
      expect([JSON.stringify(body), response.statusCode]).toEqual([JSON.stringify(body), 400]);
    }
    // A card number where an id goes is refused, and quoted nowhere in clear.
    for (const googlePay of [
      { ...tapAndPay, deviceId: pan },
      { ...tapAndPay, walletAccountId: `acct-${pan}` },
    ]) {
      const response = await provisionToGoogle(app, { googlePay });
      expect(response.statusCode).toBe(400);
      expect(response.body).not.toContain(pan);
    }
    expect(log()).not.toContain(pan);
  });

  it("is a 404 for a card that is not the caller's", async () => {
    const { app } = await walletApi();
    const response = await provisionToGoogle(app, { googlePay: tapAndPay }, card.cardRef, 'grace');
    expect(response.statusCode).toBe(404);
  });

  it('is refused (422) where the issuer has no Google Pay onboarding, or none on the card network', async () => {
    const appleOnly = await walletApi({
      wallets: WalletCredentials.parse({
        APPLE_PAY: { trustedRoots: [pki.rootCertificatePem], tokenRequestorIds: { MASTERCARD: applePayOnMastercard } },
      }),
    });
    const notOnMastercard = await walletApi({
      wallets: WalletCredentials.parse({ GOOGLE_PAY: { ...googlePay, tokenRequestorIds: { VISA: '40010075001' } } }),
    });
    for (const { app } of [appleOnly, notOnMastercard]) {
      const response = await provisionToGoogle(app, { googlePay: tapAndPay });
      expect([response.statusCode, problemOf(response).type]).toEqual([422, '/problems/wallet-not-offered']);
      expect(problemOf(response).detail).toContain('Google Pay');
    }
  });

  it("asks eligibility of Google Pay's token requestor for ANDROID, and refuses when it does not take the card", async () => {
    const asked: object[] = [];
    const { app } = await walletApi({
      tokenRequestors: {
        eligibility: (question: object) => {
          asked.push(question);
          return Promise.resolve({ eligible: false, reason: 'Google Pay cannot be reached from ANDROID' });
        },
      } as unknown as TokenRequestorCache,
    });
    const response = await provisionToGoogle(app, { googlePay: tapAndPay });
    expect([response.statusCode, problemOf(response).type]).toEqual([422, '/problems/wallet-not-offered']);
    expect(asked).toEqual([
      expect.objectContaining({
        network: 'MASTERCARD',
        tokenRequestorId: googlePayOnMastercard,
        pushMethod: 'ANDROID',
      }),
    ]);
  });

  it('names the problem type of a provisioning under way', async () => {
    const { app } = await walletApi();
    const described = await app.inject({ method: 'GET', url: '/problems/wallet-provisioning-in-progress' });
    expect(described.statusCode).toBe(200);
    expect(described.json()).toMatchObject({ type: '/problems/wallet-provisioning-in-progress', status: 409 });
  });
});

describe('a Samsung Pay provisioning request', () => {
  const walletInfo = { walletUserId: 'wa-5f1c0e9b2d', deviceId: 'hw-0c4e2f7a9b' };
  const provisionToSamsung = async (app: FastifyInstance, body: object) =>
    app.inject({
      method: 'POST',
      url: `/v1/cards/${card.cardRef}/wallet-provisioning`,
      headers: { authorization: `Bearer ${await identityProvider().tokenFor('ada', testAudience)}` },
      payload: { wallet: 'SAMSUNG_PAY', deviceType: 'MOBILE_PHONE', sessionAssertion: 'aaa.bbb.ccc', ...body },
    });

  it("is malformed (400) with ids that are not ids, unknown fields, or another wallet's material", async () => {
    const { app, log } = await walletApi();
    for (const body of [
      { samsungPay: { ...walletInfo, deviceId: 'has spaces' } },
      { samsungPay: { walletUserId: walletInfo.walletUserId } },
      { samsungPay: { ...walletInfo, extra: 'x' } },
      { googlePay: { walletAccountId: 'wa-1', deviceId: 'hw-1' } },
      { samsungPay: { ...walletInfo, walletUserId: pan } },
      { samsungPay: { ...walletInfo, deviceId: `galaxy-${pan}` } },
    ]) {
      const response = await provisionToSamsung(app, body);
      expect([JSON.stringify(body).replace(pan, 'PAN'), response.statusCode]).toEqual([
        JSON.stringify(body).replace(pan, 'PAN'),
        400,
      ]);
      expect(response.body).not.toContain(pan);
    }
    expect(log()).not.toContain(pan);
  });

  it("asks eligibility of Samsung Pay's token requestor for ANDROID, and refuses when it does not take the card", async () => {
    const asked: object[] = [];
    const { app } = await walletApi({
      tokenRequestors: {
        eligibility: (question: object) => {
          asked.push(question);
          return Promise.resolve({ eligible: false, reason: 'Samsung Pay does not take this card' });
        },
      } as unknown as TokenRequestorCache,
    });
    const response = await provisionToSamsung(app, { samsungPay: walletInfo });
    expect([response.statusCode, problemOf(response).type]).toEqual([422, '/problems/wallet-not-offered']);
    expect(asked).toEqual([
      expect.objectContaining({
        network: 'MASTERCARD',
        tokenRequestorId: samsungPayOnMastercard,
        pushMethod: 'ANDROID',
      }),
    ]);
  });
});
