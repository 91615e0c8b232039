// Web push provisioning's two constructions, each opened by the side it is for: the envelope (a flattened
// JWS by the issuer's key, verified with its published JWKS; altered, or signed by another key, refused) and
// Google's notification (OpenPGP, opened with Google's key, the issuer's signature required); what a web
// session may be: the adapter's wallet's, ids that are ids, good once; and the sandbox wallets' ids, which
// must never read as card numbers.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet } from 'jose';
import { generateKey, readKey, readPrivateKey } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { IssuerSigningKeys } from '../../activities/keys/issuer-signing-keys.js';
import type { NetworkCredentials } from '../../activities/keys/network-credentials.js';
import { WalletCredentials } from '../../activities/keys/wallet-credentials.js';
import { googlePayWallet } from '../../activities/wallets/google-pay/google-pay-wallet.js';
import { openGoogleWebPushNotification } from '../../activities/wallets/google-pay/google-web-push.js';
import { samsungPayWallet } from '../../activities/wallets/samsung-pay/samsung-pay-wallet.js';
import type { WalletPayloadRequest } from '../../activities/wallets/wallet-adapter.js';
import { openWebPushEnvelope, withWebPush } from '../../activities/wallets/web-push.js';
import { holdsCardNumber } from '../../domain/caller-text.js';
import { CryptoFailureCode } from '../../domain/crypto-failure.js';
import { googlePayIdPattern, type WalletDeviceMaterial, type WalletPayload } from '../../domain/wallets.js';
import { walletId } from '../../sandbox/wallets/wallet-ids.js';
import { thirdNetwork } from '../support/third-network/third-network.js';

const pan = '5204731600014792';
const session = { sessionId: 'ws-0a1b2c3d', walletAccountId: 'wa-5e6f7a8b', deviceId: 'hw-9c0d1e2f' };
const samsung = withWebPush(samsungPayWallet);
const google = withWebPush(googlePayWallet);
const now = new Date();

let signing: IssuerSigningKeys;
let otherSigning: IssuerSigningKeys;
let request: Omit<WalletPayloadRequest, 'device' | 'onboarding'>;
const armored = { google: { private: '', public: '' }, issuer: { private: '', public: '' } };

beforeAll(async () => {
  const open = async () =>
    IssuerSigningKeys.open(await mkdtemp(path.join(tmpdir(), 'web-push-signing-')), { generateIfMissing: true });
  [signing, otherSigning] = await Promise.all([open(), open()]);
  for (const name of ['google', 'issuer'] as const) {
    const pair = await generateKey({ userIDs: [{ name }], format: 'armored' });
    armored[name] = { private: pair.privateKey, public: pair.publicKey };
  }
  request = {
    card: { pan, expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
    // The third network's test double stands in for Mastercard: its OPC names the last digits only.
    network: { ...thirdNetwork([]), id: 'MASTERCARD', brand: 'Mastercard' },
    // The double reads no network credentials.
    credentials: {} as NetworkCredentials,
    tokenRequestorId: '50160071138',
    activationData: 'the-activation-data',
    reference: 'WP-0123456789abcdef',
    holder: undefined,
    signing,
    now,
  };
});

const web = (wallet: 'SAMSUNG_PAY' | 'GOOGLE_PAY', ids = session): WalletDeviceMaterial => ({ wallet, web: ids });

describe('a web session', () => {
  const onboarding = () => WalletCredentials.parse({ SAMSUNG_PAY: { tokenRequestorIds: {} } }).of('SAMSUNG_PAY')!;

  it("is the adapter's wallet's, and its ids are ids, never a card number", () => {
    expect(() => samsung.verifyDevice(web('SAMSUNG_PAY'), onboarding(), now)).not.toThrow();
    expect(() => samsung.verifyDevice(web('GOOGLE_PAY'), onboarding(), now)).toThrow("not Samsung Pay's");
    const refused = () => samsung.verifyDevice(web('SAMSUNG_PAY', { ...session, deviceId: pan }), onboarding(), now);
    expect(refused).toThrow('The deviceId is not a Samsung Pay web id');
    expect(refused).not.toThrow(pan);
  });

  it('is good once: its identity is a digest that rejects a duplicate', () => {
    const identity = samsung.provisioningIdentity({ device: web('SAMSUNG_PAY'), cardRef: 'card-1' });
    expect(identity).toMatchObject({ reusePolicy: 'REJECT_DUPLICATE', alreadyAnswered: 'WEB_SESSION_REPLAYED' });
    expect(identity.key).not.toContain(session.sessionId);
    expect(samsung.provisioningIdentity({ device: web('SAMSUNG_PAY'), cardRef: 'card-2' }).key).not.toBe(identity.key);
  });

  it("is refused for Google Pay while the issuer has no notification endpoint in Google's onboarding", () => {
    const withoutWebPush = WalletCredentials.parse({
      GOOGLE_PAY: {
        opcEncryptionKeys: [armored.google.public],
        issuerOpcSigningKey: armored.issuer.private,
        tokenRequestorIds: {},
      },
    }).of('GOOGLE_PAY')!;
    expect(() => google.verifyDevice(web('GOOGLE_PAY'), withoutWebPush, now)).toThrow(
      'This issuer has no web push onboarding with Google Pay',
    );
  });
});

describe('the envelope', () => {
  const envelopeOf = async (): Promise<Extract<WalletPayload, { web: unknown }>> => {
    const onboarding = WalletCredentials.parse({ SAMSUNG_PAY: { tokenRequestorIds: {} } }).of('SAMSUNG_PAY')!;
    const payload = await samsung.payload({ ...request, device: web('SAMSUNG_PAY'), onboarding });
    if (!('web' in payload) || payload.web.method !== 'ENVELOPE') throw new Error('expected an envelope');
    return payload;
  };

  it("is a flattened JWS the wallet verifies with the issuer's JWKS; its claims hold the card only in the OPC", async () => {
    const { web: delivery } = await envelopeOf();
    if (delivery.method !== 'ENVELOPE') throw new Error('expected an envelope');
    const { envelope } = delivery;
    expect(envelope.jws.header.kid).toBe(signing.current.kid);
    expect(envelope.state).toBe('WP-0123456789abcdef');
    expect(JSON.stringify(envelope)).not.toContain(pan);
    const claims = await openWebPushEnvelope(envelope, createLocalJWKSet(signing.jwks()));
    expect(claims).toMatchObject({ wallet: 'SAMSUNG_PAY', ...session, network: 'MASTERCARD', lastDigits: '4792' });
    expect(claims.exp - claims.iat).toBe(15 * 60);
    expect(JSON.parse(Buffer.from(claims.opaquePaymentCard, 'base64').toString())).toMatchObject({ last4: '4792' });
  });

  it('is refused altered, or by keys that did not sign it', async () => {
    const { web: delivery } = await envelopeOf();
    if (delivery.method !== 'ENVELOPE') throw new Error('expected an envelope');
    const { envelope } = delivery;
    const claims = JSON.parse(Buffer.from(envelope.jws.payload, 'base64url').toString()) as object;
    const payload = Buffer.from(JSON.stringify({ ...claims, sessionId: 'ws-another' })).toString('base64url');
    const altered = { ...envelope, jws: { ...envelope.jws, payload } };
    await expect(openWebPushEnvelope(altered, createLocalJWKSet(signing.jwks()))).rejects.toMatchObject({
      code: CryptoFailureCode.SignatureInvalid,
    });
    await expect(openWebPushEnvelope(envelope, createLocalJWKSet(otherSigning.jwks()))).rejects.toMatchObject({
      code: CryptoFailureCode.SignatureInvalid,
    });
  });
});

describe("Google's notification", () => {
  it('is sealed for Google, signed by the issuer, and names the session, the wallet and the card by its last digits', async () => {
    const onboarding = WalletCredentials.parse({
      GOOGLE_PAY: {
        opcEncryptionKeys: [armored.google.public],
        issuerOpcSigningKey: armored.issuer.private,
        webPushProvisioning: { notificationUrl: 'https://wallet.example/notify', integratorId: 'issuer-1' },
        tokenRequestorIds: {},
      },
    }).of('GOOGLE_PAY')!;
    const payload = await google.payload({ ...request, device: web('GOOGLE_PAY'), onboarding });
    if (!('web' in payload) || payload.web.method !== 'NOTIFIED') throw new Error('expected a notification');
    const { notification } = payload.web;
    expect(notification).toMatch(/^[A-Za-z0-9_-]+$/);
    const keys = {
      googleDecryptionKeys: [await readPrivateKey({ armoredKey: armored.google.private })],
      issuerVerificationKeys: [await readKey({ armoredKey: armored.issuer.public })],
    };
    const opened = await openGoogleWebPushNotification(notification!, keys);
    expect(opened.pushContext).toEqual({ serverSessionId: session.sessionId, clientSessionId: 'WP-0123456789abcdef' });
    expect(opened.paymentAccount.paymentCard).toEqual({ paymentNetwork: 'MASTERCARD', lastDigits: '4792' });
    expect(opened.paymentInstrumentMaterial[0]!.tokenizableOpaqueAccountCredential).toMatchObject({
      tokenServiceProvider: 'TOKEN_PROVIDER_MASTERCARD',
      paymentNetwork: 'MASTERCARD',
      publicWalletId: session.walletAccountId,
    });
    expect(JSON.stringify(opened)).not.toContain(pan);
    // Signed by the issuer: keys that are not the issuer's do not open it.
    await expect(
      openGoogleWebPushNotification(notification!, {
        ...keys,
        issuerVerificationKeys: [await readKey({ armoredKey: armored.google.public })],
      }),
    ).rejects.toMatchObject({ code: CryptoFailureCode.SignatureInvalid });
  });
});

describe("the sandbox wallets' ids", () => {
  it('never read as a card number, and are ids the wallets take', () => {
    for (let made = 0; made < 5_000; made += 1) {
      const id = walletId('hw', 16);
      expect([id, googlePayIdPattern.test(id) && !holdsCardNumber(id)]).toEqual([id, true]);
    }
  });
});
