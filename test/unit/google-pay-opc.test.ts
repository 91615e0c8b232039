// Google Pay's payload, each part opened by the side it is for: Mastercard's OPC by MDES (its field-level
// key, and the issuer's TAV key), Visa's by VTS (the shared secret), the googleOpc by Google (its OpenPGP key,
// requiring the issuer's signature); and every way a googleOpc can be wrong, refused.
import { decodeProtectedHeader } from 'jose';
import { generateKey, readKey, readPrivateKey, type PrivateKey, type PublicKey } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  mdesFieldLevel,
  vtsSharedSecretJwe,
  type FieldLevelPayload,
} from '../../activities/crypto/encryption/profiles.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IssuerSigningKeys } from '../../activities/keys/issuer-signing-keys.js';
import { NetworkCredentials } from '../../activities/keys/network-credentials.js';
import { createRsaKeyWithCertificate } from '../../activities/keys/rsa-key-with-certificate.js';
import { WalletCredentials, type GooglePayOnboardingKeys } from '../../activities/keys/wallet-credentials.js';
import type { MdesClient } from '../../activities/networks/mdes/client.js';
import { mdesNetwork } from '../../activities/networks/mdes/mdes-network.js';
import { verifyTav } from '../../activities/networks/mdes/tav.js';
import type { VtsClient } from '../../activities/networks/vts/client.js';
import { vtsNetwork } from '../../activities/networks/vts/vts-network.js';
import {
  openGoogleOpc,
  readGoogleOpcKeys,
  sealGoogleOpc,
  type GoogleOpc,
  type GoogleOpcOpeningKeys,
} from '../../activities/wallets/google-pay/google-opc.js';
import { googlePayWallet } from '../../activities/wallets/google-pay/google-pay-wallet.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { ErrorType } from '../../domain/errors.js';
import type { CardDetails } from '../../domain/card-number.js';
import type { WalletDeviceMaterial } from '../../domain/wallets.js';
import { thirdNetwork } from '../support/third-network/third-network.js';

const card: CardDetails = { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2029, cardholderName: 'Ada Lovelace' };
const visaCard: CardDetails = { pan: '4895370012003478', expiryMonth: 12, expiryYear: 2030 };
const mdesEncryption = createRsaKeyWithCertificate('MDES encryption');
const tavKey = createRsaKeyWithCertificate('issuer TAV');
const jwks = { keys: [{ kty: 'RSA', kid: 'network-1', n: 'AQAB', e: 'AQAB' }] };
const sharedSecret = 'a-shared-secret-of-length';
const credentials = NetworkCredentials.parse({
  issuerId: 'issuer-1',
  mdes: {
    baseUrl: 'http://127.0.0.1:9',
    consumerKey: 'key',
    signingKeyPem: tavKey.privateKeyPem,
    encryptionCertificates: [mdesEncryption.certificatePem],
    networkJwks: jwks,
    proofAudience: 'MDES',
    tavSigningKeyPem: tavKey.privateKeyPem,
  },
  vts: {
    baseUrl: 'http://127.0.0.1:9',
    apiKey: 'VISA-API-KEY',
    sharedSecrets: ['an-older-shared-secret', sharedSecret],
    encryptionKeys: [
      { kid: 'k', publicKeyPem: mdesEncryption.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    ],
    networkJwks: jwks,
    proofAudience: 'VTS',
  },
});
const mastercard = mdesNetwork({} as MdesClient);
const visa = vtsNetwork({} as VtsClient);
const device = { walletAccountId: 'Vk4xZXZ5d2FsbGV0', deviceId: 'c0ffee-device-01' };
const now = new Date('2026-03-01T10:00:00Z');

interface OpenPgpPair {
  privateArmored: string;
  publicArmored: string;
  privateKey: PrivateKey;
  publicKey: PublicKey;
}

async function openPgpPair(name: string): Promise<OpenPgpPair> {
  const { privateKey, publicKey } = await generateKey({ userIDs: [{ name }], format: 'armored' });
  return {
    privateArmored: privateKey,
    publicArmored: publicKey,
    privateKey: await readPrivateKey({ armoredKey: privateKey }),
    publicKey: await readKey({ armoredKey: publicKey }),
  };
}

let google: OpenPgpPair;
let otherGoogle: OpenPgpPair;
let issuer: OpenPgpPair;
let impostor: OpenPgpPair;

let signing: IssuerSigningKeys;

beforeAll(async () => {
  signing = await IssuerSigningKeys.open(await mkdtemp(path.join(tmpdir(), 'google-pay-signing-')), {
    generateIfMissing: true,
  });
  const names = ['Google OPC', 'Another Google', 'Issuer OPC signing', 'Impostor'] as const;
  [google, otherGoogle, issuer, impostor] = (await Promise.all(names.map(openPgpPair))) as [
    OpenPgpPair,
    OpenPgpPair,
    OpenPgpPair,
    OpenPgpPair,
  ];
});

const opc: GoogleOpc = {
  protocolHeader: { version: 1 },
  validationContext: { serverSessionId: 'WP-0123456789abcdef' },
  paymentCard: { accountNumber: card.pan, expiryMonth: 9, expiryYear: 2029 },
};

const googleSide = (): GoogleOpcOpeningKeys => ({
  googleDecryptionKeys: [google.privateKey],
  issuerVerificationKeys: [issuer.publicKey],
});

async function refusal(promise: Promise<unknown>): Promise<CryptoFailure> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(CryptoFailure);
  expect((error as Error).message).not.toContain(card.pan);
  return error as CryptoFailure;
}

const decodedJson = (base64: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as Record<string, unknown>;

describe("Mastercard's OPC", () => {
  it('is the card field-level encrypted for MDES, with a TAV that verifies with the issuer’s key', async () => {
    const activationData = await mastercard.walletActivationData({
      card,
      reference: 'WP-1',
      methods: ['swk'],
      credentials,
      signing: undefined as never,
    });
    const encoded = await mastercard.pushTokenizeOpc({
      card,
      activationData,
      device,
      tokenRequestorId: '50110030299',
      credentials,
      now,
    });
    const envelope = decodedJson(encoded);
    expect(Object.keys(envelope)).toEqual(['cardInfo', 'tokenizationAuthenticationValue']);
    const cardInfo = envelope.cardInfo as FieldLevelPayload;
    expect(Object.keys(cardInfo).sort()).toEqual(
      ['encryptedData', 'encryptedKey', 'iv', 'oaepHashingAlgorithm', 'publicKeyFingerprint'].sort(),
    );
    expect(encoded).not.toContain(card.pan);
    // MDES's FundingAccountData, as the tokenize call's encryptedPayload holds it.
    expect(await mdesFieldLevel.decrypt(cardInfo, mdesEncryption)).toEqual({
      cardAccountData: { accountNumber: card.pan, expiryMonth: '09', expiryYear: '29' },
      accountHolderData: { accountHolderName: 'Ada Lovelace' },
      source: 'ACCOUNT_ON_FILE',
    });
    const tav = envelope.tokenizationAuthenticationValue;
    const account = { accountNumber: card.pan, expiryMonth: '09', expiryYear: '29' };
    expect(verifyTav(tav, account, [tavKey.publicKey])).toEqual({ valid: true });
    expect(verifyTav(tav, { ...account, accountNumber: '5204731600014800' }, [tavKey.publicKey]).valid).toBe(false);
    // Another holder of an RSA key cannot read it.
    const stranger = createRsaKeyWithCertificate('not MDES');
    await expect(mdesFieldLevel.decrypt(cardInfo, stranger)).rejects.toBeInstanceOf(CryptoFailure);
  });
});

describe("Visa's OPC", () => {
  it('is a shared-secret JWE naming the app, device, wallet and account, intent PUSH_PROV_MOBILE, and the card', async () => {
    const jwe = await visa.pushTokenizeOpc({
      card: visaCard,
      activationData: 'issuer-proof',
      device,
      tokenRequestorId: '40010075001',
      credentials,
      now,
    });
    const encoded = Buffer.from(jwe).toString('base64');
    const { iv, tag, ...header } = decodeProtectedHeader(jwe);
    expect(header).toEqual({
      alg: 'A256GCMKW',
      enc: 'A256GCM',
      kid: 'VISA-API-KEY',
      typ: 'JOSE',
      channelSecurityContext: 'SHARED_SECRET',
      iat: String(now.getTime() / 1000),
    });
    expect([typeof iv, typeof tag]).toEqual(['string', 'string']);
    expect(jwe + encoded).not.toContain(visaCard.pan);
    expect(await vtsSharedSecretJwe.decrypt(jwe, { apiKey: 'VISA-API-KEY', sharedSecret })).toEqual({
      clientAppID: 'pushprov',
      clientDeviceID: device.deviceId,
      clientWalletProvider: '40010075001',
      clientWalletAccountID: device.walletAccountId,
      intent: 'PUSH_PROV_MOBILE',
      accountNumber: visaCard.pan,
      expirationDate: { month: '12', year: '2030' },
      activationData: 'issuer-proof',
    });
    // Sealed under the newest secret only.
    await expect(
      vtsSharedSecretJwe.decrypt(jwe, { apiKey: 'VISA-API-KEY', sharedSecret: 'an-older-shared-secret' }),
    ).rejects.toBeInstanceOf(CryptoFailure);
  });
});

describe('the googleOpc', () => {
  it("opens with Google's key to the same card and session, signed by the issuer", async () => {
    const sealed = await sealGoogleOpc(opc, {
      googleEncryptionKey: google.publicKey,
      issuerSigningKey: issuer.privateKey,
    });
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain(card.pan);
    expect(await openGoogleOpc(sealed, googleSide())).toEqual(opc);
  });

  it('is refused under another Google key, unsigned, signed by another key, or altered', async () => {
    const sealed = await sealGoogleOpc(opc, {
      googleEncryptionKey: google.publicKey,
      issuerSigningKey: issuer.privateKey,
    });
    const otherKey = await refusal(
      openGoogleOpc(sealed, { ...googleSide(), googleDecryptionKeys: [otherGoogle.privateKey] }),
    );
    expect(otherKey.code).toBe(CryptoFailureCode.DecryptionFailed);

    const { encrypt, createMessage } = await import('openpgp');
    const unsigned = Buffer.from(
      await encrypt({
        message: await createMessage({ text: JSON.stringify(opc) }),
        encryptionKeys: google.publicKey,
        format: 'binary',
      }),
    ).toString('base64');
    expect((await refusal(openGoogleOpc(unsigned, googleSide()))).code).toBe(CryptoFailureCode.SignatureInvalid);

    const wronglySigned = await sealGoogleOpc(opc, {
      googleEncryptionKey: google.publicKey,
      issuerSigningKey: impostor.privateKey,
    });
    expect((await refusal(openGoogleOpc(wronglySigned, googleSide()))).code).toBe(CryptoFailureCode.SignatureInvalid);

    const bytes = Buffer.from(sealed, 'base64');
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0x01;
    const tampered = await refusal(openGoogleOpc(bytes.toString('base64'), googleSide()));
    expect([CryptoFailureCode.DecryptionFailed, CryptoFailureCode.Malformed]).toContain(tampered.code);

    expect((await refusal(openGoogleOpc('not base64!', googleSide()))).code).toBe(CryptoFailureCode.Malformed);
  });

  it("reads Google's keys newest last, and refuses a public key where the issuer's private one goes", async () => {
    const keys = await readGoogleOpcKeys({
      googleEncryptionKeys: [otherGoogle.publicArmored, google.publicArmored],
      issuerSigningKey: issuer.privateArmored,
    });
    expect(keys.googleEncryptionKey.getFingerprint()).toBe(google.publicKey.getFingerprint());
    await expect(
      readGoogleOpcKeys({ googleEncryptionKeys: [google.publicArmored], issuerSigningKey: issuer.publicArmored }),
    ).rejects.toThrow();
    await expect(
      readGoogleOpcKeys({ googleEncryptionKeys: [google.privateArmored], issuerSigningKey: issuer.privateArmored }),
    ).rejects.toThrow("Google's OPC keys must be public keys");
  });
});

describe("Google Pay's payload", () => {
  const googleDevice: WalletDeviceMaterial = { wallet: 'GOOGLE_PAY', googlePay: device };
  const onboarding = (): GooglePayOnboardingKeys =>
    WalletCredentials.parse({
      GOOGLE_PAY: {
        opcEncryptionKeys: [google.publicArmored],
        issuerOpcSigningKey: issuer.privateArmored,
        tokenRequestorIds: { MASTERCARD: '50110030273' },
      },
    }).of('GOOGLE_PAY')!;

  it("answers PushTokenizeRequest's fields: the network's OPC, the provider, the holder's address, and the googleOpc", async () => {
    const payload = await googlePayWallet.payload({
      card,
      device: googleDevice,
      onboarding: onboarding(),
      network: mastercard,
      credentials,
      tokenRequestorId: '50110030273',
      activationData: 'the-tav',
      reference: 'WP-abc',
      holder: {
        billingAddress: { line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
        mobilePhoneNumber: { countryDialInCode: '44', phoneNumber: '7700900123' },
      },
      signing,
      now,
    });
    if (!('googlePay' in payload)) throw new Error('expected a Google Pay payload');
    const { googlePay } = payload;
    expect(googlePay).toMatchObject({
      network: 'MASTERCARD',
      tokenServiceProvider: 'TOKEN_PROVIDER_MASTERCARD',
      lastDigits: '4792',
      userAddress: {
        name: 'Ada Lovelace',
        address1: '12 St James Square',
        address2: '',
        locality: 'London',
        administrativeArea: '',
        countryCode: 'GB',
        postalCode: 'SW1Y 4JH',
        phoneNumber: '+447700900123',
      },
    });
    expect(googlePay.displayName).not.toContain(card.pan);
    expect(decodedJson(googlePay.opaquePaymentCard).tokenizationAuthenticationValue).toBe('the-tav');
    const opened = await openGoogleOpc(googlePay.googleOpc, googleSide());
    expect(opened.validationContext.serverSessionId).toBe('WP-abc');
    expect(opened.paymentCard).toEqual({ accountNumber: card.pan, expiryMonth: 9, expiryYear: 2029 });
  });

  it('gives no address without one in the profile, and refuses a network Google Pay does not take', async () => {
    const base = {
      card: visaCard,
      device: googleDevice,
      onboarding: onboarding(),
      credentials,
      tokenRequestorId: '40010075001',
      activationData: 'proof',
      reference: 'WP-def',
      holder: undefined,
      signing,
      now,
    };
    const payload = await googlePayWallet.payload({ ...base, network: visa });
    expect('googlePay' in payload && payload.googlePay.userAddress).toBeUndefined();
    expect('googlePay' in payload && payload.googlePay.tokenServiceProvider).toBe('TOKEN_PROVIDER_VISA');
    await expect(googlePayWallet.payload({ ...base, network: thirdNetwork([]) })).rejects.toMatchObject({
      type: ErrorType.NotEligible,
    });
  });

  it('is one provisioning per wallet account, device and card, which may run again once ended', () => {
    const identity = googlePayWallet.provisioningIdentity({ device: googleDevice, cardRef: 'card-1' });
    expect(identity).toMatchObject({ reusePolicy: 'ALLOW_DUPLICATE', alreadyAnswered: 'PROVISIONING_IN_PROGRESS' });
    expect(googlePayWallet.provisioningIdentity({ device: googleDevice, cardRef: 'card-1' }).key).toBe(identity.key);
    const otherDevice: WalletDeviceMaterial = { wallet: 'GOOGLE_PAY', googlePay: { ...device, deviceId: 'other' } };
    expect(googlePayWallet.provisioningIdentity({ device: otherDevice, cardRef: 'card-1' }).key).not.toBe(identity.key);
    expect(googlePayWallet.provisioningIdentity({ device: googleDevice, cardRef: 'card-2' }).key).not.toBe(
      identity.key,
    );
    expect(() =>
      googlePayWallet.verifyDevice(
        { wallet: 'GOOGLE_PAY', googlePay: { ...device, deviceId: card.pan } },
        onboarding(),
        now,
      ),
    ).toThrow('The deviceId is not a TapAndPay id');
  });
});
