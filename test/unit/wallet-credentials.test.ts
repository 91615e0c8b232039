// The wallet credentials document, each wallet's onboarding what that wallet needs: Apple's roots as before,
// Google's OpenPGP keys for its OPC; a key that does not load fails when the document is loaded.
import { generateKey } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRsaKeyWithCertificate } from '../../activities/keys/rsa-key-with-certificate.js';
import { InvalidWalletCredentialsError, WalletCredentials } from '../../activities/keys/wallet-credentials.js';

const appleRoot = createRsaKeyWithCertificate('Sandbox Apple root');
const apple = { trustedRoots: [appleRoot.certificatePem], tokenRequestorIds: { MASTERCARD: '50110030299' } };

let googlePublic: string[];
let issuerPrivate: string;
let issuerPublic: string;

beforeAll(async () => {
  const [oldGoogle, newGoogle, issuer] = await Promise.all(
    ['Google 2025', 'Google 2026', 'Issuer'].map((name) => generateKey({ userIDs: [{ name }], format: 'armored' })),
  );
  googlePublic = [oldGoogle!.publicKey, newGoogle!.publicKey];
  issuerPrivate = issuer!.privateKey;
  issuerPublic = issuer!.publicKey;
});

const google = () => ({
  opcEncryptionKeys: googlePublic,
  issuerOpcSigningKey: issuerPrivate,
  tokenRequestorIds: { MASTERCARD: '50110030273', VISA: '40010075001' },
});

const load = (document: unknown) => WalletCredentials.load({ json: JSON.stringify(document), file: '/nonexistent' });

describe('wallet credentials', () => {
  it('keeps an Apple-only document valid, and offers no Google Pay with it', async () => {
    const credentials = await load({ APPLE_PAY: apple });
    expect(credentials.of('APPLE_PAY')?.trustedRoots).toHaveLength(1);
    expect(credentials.of('GOOGLE_PAY')).toBeUndefined();
    expect(credentials.tokenRequestorId('APPLE_PAY', 'MASTERCARD')).toBe('50110030299');
  });

  it("holds Google's OPC keys, the newest sealing, and the issuer's signing key", async () => {
    const credentials = await load({ APPLE_PAY: apple, GOOGLE_PAY: google() });
    const onboarding = credentials.of('GOOGLE_PAY')!;
    expect(onboarding.wallet).toBe('GOOGLE_PAY');
    expect(credentials.tokenRequestorId('GOOGLE_PAY', 'VISA')).toBe('40010075001');
    const keys = await onboarding.opcKeys();
    const { readKey } = await import('openpgp');
    const newest = await readKey({ armoredKey: googlePublic[1]! });
    expect(keys.googleEncryptionKey.getFingerprint()).toBe(newest.getFingerprint());
    expect(keys.issuerSigningKey.isPrivate()).toBe(true);
  });

  it("holds Samsung Pay's token requestors, Samsung handing the issuer nothing else", async () => {
    const credentials = await load({ SAMSUNG_PAY: { tokenRequestorIds: { VISA: '40010075002' } } });
    expect(credentials.of('SAMSUNG_PAY')).toEqual({
      wallet: 'SAMSUNG_PAY',
      tokenRequestorIds: { VISA: '40010075002' },
    });
    expect(credentials.tokenRequestorId('SAMSUNG_PAY', 'MASTERCARD')).toBeUndefined();
    expect(credentials.of('GOOGLE_PAY')).toBeUndefined();
  });

  it("refuses a wallet's onboarding that lacks what the wallet needs, or holds another's", () => {
    for (const document of [
      { GOOGLE_PAY: { ...google(), opcEncryptionKeys: [] } },
      { GOOGLE_PAY: { ...google(), issuerOpcSigningKey: issuerPublic } },
      { GOOGLE_PAY: { ...google(), opcEncryptionKeys: [appleRoot.certificatePem] } },
      { GOOGLE_PAY: { trustedRoots: [appleRoot.certificatePem], tokenRequestorIds: {} } },
      { APPLE_PAY: { ...apple, trustedRoots: [] } },
      { SAMSUNG_PAY: { tokenRequestorIds: { VISA: 'not an id' } } },
      { SAMSUNG_PAY: {} },
      { PAYPAL: apple },
    ]) {
      expect(() => WalletCredentials.parse(document)).toThrow(InvalidWalletCredentialsError);
    }
  });

  it('fails at load, not at the first payload, when an OpenPGP key does not read', async () => {
    const broken = googlePublic[1]!.replace(/\n([A-Za-z0-9+/]{20})/, '\nAAAAAAAAAAAAAAAAAAAA');
    const document = { GOOGLE_PAY: { ...google(), opcEncryptionKeys: [broken] } };
    expect(() => WalletCredentials.parse(document)).not.toThrow();
    await expect(load(document)).rejects.toThrow(InvalidWalletCredentialsError);
    const swapped = { GOOGLE_PAY: { ...google(), opcEncryptionKeys: [issuerPrivate.replaceAll('PRIVATE', 'PUBLIC')] } };
    await expect(load(swapped)).rejects.toThrow(InvalidWalletCredentialsError);
  });
});
