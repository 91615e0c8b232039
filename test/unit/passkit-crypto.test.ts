import {
  AuthorityKeyIdentifierExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate as PeculiarCertificate,
  X509CertificateGenerator,
} from '../../activities/crypto/x509.js';
import {
  constants,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  privateDecrypt,
  KeyObject,
  randomBytes,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  passKitEccV2,
  passKitPlaintext,
  passKitRsaV2,
  type PassKitPayload,
} from '../../activities/crypto/encryption/passkit-profiles.js';
import { walletPayloadProfiles } from '../../activities/crypto/encryption/profile-registry.js';
import {
  signPassKitNonce,
  verifyPassKitDeviceMaterial,
  type PassKitDeviceMaterial,
} from '../../activities/wallets/apple-pay/passkit-chain.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { WalletRefusalReason, WalletRequestRefused, type PassKitScheme } from '../../domain/wallets.js';
import {
  createWalletPki,
  exportWalletPki,
  importWalletPki,
  type DeviceCertificateOptions,
  type WalletPki,
  type WalletPkiDocument,
} from '../../sandbox/wallets/device-pki.js';
import { rejectionOf } from '../support/rejection.js';

// A test card number; the wallet's name is in every certificate's subject, so no refusal may repeat it.
const card = { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2029, cardholderName: 'Ada Lovelace' };
const walletName = 'Quokka Wallet';
const now = new Date();
const day = 86_400_000;
const schemes: PassKitScheme[] = ['ECC_V2', 'RSA_V2'];

let pki: WalletPki;
let strangerPki: WalletPki;
let trust: { roots: X509Certificate[] };

beforeAll(async () => {
  pki = await createWalletPki(walletName, now);
  strangerPki = await createWalletPki(walletName, now);
  trust = { roots: [new X509Certificate(pki.rootCertificatePem)] };
});

type Material = PassKitDeviceMaterial & { privateKey: KeyObject };

async function deviceMaterial(
  scheme: PassKitScheme,
  options: DeviceCertificateOptions = {},
  from: WalletPki = pki,
): Promise<Material> {
  const { certificates, privateKey } = await from.issueDeviceCertificate(scheme, { now, ...options });
  const nonce = randomBytes(32);
  return { certificates, nonce, nonceSignature: signPassKitNonce(privateKey, nonce), scheme, privateKey };
}

/** The refusal's reason and message; no message may repeat what was sent (the wallet's name is in every subject). */
function refusalOf(material: PassKitDeviceMaterial, at: Date = now): { reason: string; message: string } {
  try {
    verifyPassKitDeviceMaterial(material, trust, at);
  } catch (error) {
    expect(error).toBeInstanceOf(WalletRequestRefused);
    const { reason, message } = error as WalletRequestRefused;
    expect(message).not.toContain(walletName);
    return { reason, message };
  }
  throw new Error('expected a refusal');
}

/** What refusalOf returns for this reason, with this message or one that matches. */
function refused(reason: WalletRefusalReason, message: RegExp | string = /./): object {
  const messageMatcher: unknown = typeof message === 'string' ? message : expect.stringMatching(message);
  return { reason, message: messageMatcher };
}

describe('PassKit device material', () => {
  it.each(schemes)('is accepted for %s when the chain, the key and the nonce signature are right', async (scheme) => {
    const material = await deviceMaterial(scheme);
    const { leafPublicKey } = verifyPassKitDeviceMaterial(material, trust, now);
    expect(leafPublicKey.equals(new X509Certificate(material.certificates[0]!).publicKey)).toBe(true);
    expect(leafPublicKey.equals(createPublicKey(material.privateKey))).toBe(true);
  });

  it('is accepted under a second trusted root while the first is rotated out', async () => {
    const material = await deviceMaterial('ECC_V2');
    const roots = [new X509Certificate(strangerPki.rootCertificatePem), ...trust.roots];
    expect(() => verifyPassKitDeviceMaterial(material, { roots }, now)).not.toThrow();
  });

  it('is persisted and read back by the sandbox, and a PKI whose parts do not belong together is refused', async () => {
    const document = exportWalletPki(pki);
    const restored = importWalletPki(JSON.parse(JSON.stringify(document)) as WalletPkiDocument);
    const { certificates, privateKey } = await restored.issueDeviceCertificate('RSA_V2', { now });
    const nonce = randomBytes(32);
    const nonceSignature = signPassKitNonce(privateKey, nonce);
    expect(() =>
      verifyPassKitDeviceMaterial({ certificates, nonce, nonceSignature, scheme: 'RSA_V2' }, trust, now),
    ).not.toThrow();
    const strangersKey = exportWalletPki(strangerPki).subCaPrivateKeyPem;
    expect(() => importWalletPki({ ...document, subCaPrivateKeyPem: strangersKey })).toThrow(/not the key/);
    const strangersRoot = strangerPki.rootCertificatePem;
    expect(() => importWalletPki({ ...document, rootCertificatePem: strangersRoot })).toThrow(/not issued by its root/);
  });

  it.each(schemes)(
    'is refused for %s when the nonce is not the one signed, or another key signed it',
    async (scheme) => {
      const material = await deviceMaterial(scheme);
      const otherDevice = await deviceMaterial(scheme);
      const invalid = refused(WalletRefusalReason.NonceSignatureInvalid, /nonce signature does not verify/);
      expect(refusalOf({ ...material, nonce: randomBytes(32) })).toEqual(invalid);
      expect(refusalOf({ ...material, nonceSignature: otherDevice.nonceSignature })).toEqual(invalid);
      expect(refusalOf({ ...material, nonceSignature: randomBytes(72) })).toEqual(invalid);
    },
  );

  it('is refused when the nonce is empty or longer than 64 bytes', async () => {
    const material = await deviceMaterial('ECC_V2');
    for (const nonce of [new Uint8Array(0), randomBytes(65)]) {
      expect(refusalOf({ ...material, nonce, nonceSignature: signPassKitNonce(material.privateKey, nonce) })).toEqual(
        refused(WalletRefusalReason.NonceSignatureInvalid, 'The nonce must be 1 to 64 bytes'),
      );
    }
  });

  it('is refused when the leaf is not issued by the sub-CA sent with it, even under the same names', async () => {
    const ours = await deviceMaterial('ECC_V2');
    const stranger = await deviceMaterial('ECC_V2', {}, strangerPki);
    expect(refusalOf({ ...stranger, certificates: [stranger.certificates[0]!, ours.certificates[1]!] })).toEqual(
      refused(WalletRefusalReason.CertificateNotTrusted, /leaf certificate is not issued by the sub-CA/),
    );
  });

  it("is refused when a leaf is forged under the sub-CA's name and key identifier", async () => {
    const subCa = new PeculiarCertificate((await deviceMaterial('ECC_V2')).certificates[1]!);
    const forger = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    const forged = await X509CertificateGenerator.create({
      subject: 'CN=Forged device',
      issuer: subCa.subject,
      notBefore: now,
      notAfter: new Date(now.getTime() + day),
      publicKey: forger.publicKey,
      signingKey: forger.privateKey,
      extensions: [
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyAgreement),
        new AuthorityKeyIdentifierExtension(subCa.getExtension(SubjectKeyIdentifierExtension)!.keyId),
      ],
    });
    const nonce = randomBytes(32);
    const nonceSignature = signPassKitNonce(KeyObject.from(forger.privateKey), nonce);
    const certificates = [new Uint8Array(forged.rawData), new Uint8Array(subCa.rawData)];
    expect(refusalOf({ certificates, nonce, nonceSignature, scheme: 'ECC_V2' })).toEqual(
      refused(WalletRefusalReason.CertificateNotTrusted),
    );
  });

  it('is refused when the sub-CA is not issued by a trusted root', async () => {
    const notTrusted = refused(
      WalletRefusalReason.CertificateNotTrusted,
      /not issued by a wallet root the engine trusts/,
    );
    expect(refusalOf(await deviceMaterial('ECC_V2', { selfIssued: true }))).toEqual(notTrusted);
    const good = await deviceMaterial('ECC_V2');
    expect(() => verifyPassKitDeviceMaterial(good, { roots: [] }, now)).toThrow(expect.objectContaining(notTrusted));
  });

  it('is refused when the leaf has expired or is not yet valid, saying which', async () => {
    expect(refusalOf(await deviceMaterial('ECC_V2', { expired: true }))).toEqual(
      refused(WalletRefusalReason.CertificateNotValidNow, 'The leaf certificate has expired (past its notAfter)'),
    );
    expect(refusalOf(await deviceMaterial('RSA_V2', { notYetValid: true }))).toEqual(
      refused(
        WalletRefusalReason.CertificateNotValidNow,
        'The leaf certificate is not yet valid (its notBefore is later than now)',
      ),
    );
  });

  it('is refused when the sub-CA has expired though the leaf is still valid', async () => {
    // The sub-CA is valid for five years (1,825 days); this leaf from day 1,700 to day 2,065.
    const material = await deviceMaterial('ECC_V2', { now: new Date(now.getTime() + 1700 * day) });
    expect(refusalOf(material, new Date(now.getTime() + 1850 * day))).toEqual(
      refused(WalletRefusalReason.CertificateNotValidNow, 'The sub-CA certificate has expired (past its notAfter)'),
    );
  });

  it.each([
    ['ECC_V2', 'missing-agreement', /lacks keyAgreement, which ECC_V2 needs/],
    ['RSA_V2', 'missing-agreement', /lacks keyEncipherment, which RSA_V2 needs/],
    ['ECC_V2', 'missing-signature', /lacks digitalSignature, which ECC_V2 needs/],
  ] as const)('is refused when a %s leaf has its key usage %s', async (scheme, keyUsage, message) => {
    expect(refusalOf(await deviceMaterial(scheme, { keyUsage }))).toEqual(
      refused(WalletRefusalReason.CertificateKeyUsage, message),
    );
  });

  it('is refused when the sub-CA is no CA, or the leaf is one', async () => {
    const { certificates, ...rest } = await deviceMaterial('ECC_V2');
    const [leaf, subCa] = certificates as [Uint8Array, Uint8Array];
    expect(refusalOf({ ...rest, certificates: [leaf, leaf] })).toEqual(
      refused(WalletRefusalReason.CertificateKeyUsage, /sub-CA certificate is not a CA/),
    );
    expect(refusalOf({ ...rest, certificates: [subCa, subCa] })).toEqual(
      refused(WalletRefusalReason.CertificateKeyUsage, /leaf certificate is a CA/),
    );
  });

  it("is refused when the leaf's key is not the scheme's", async () => {
    expect(refusalOf({ ...(await deviceMaterial('RSA_V2')), scheme: 'ECC_V2' })).toEqual(
      refused(WalletRefusalReason.SchemeKeyMismatch, /ECC_V2 needs an EC P-256 key/),
    );
    expect(refusalOf({ ...(await deviceMaterial('ECC_V2')), scheme: 'RSA_V2' })).toEqual(
      refused(WalletRefusalReason.SchemeKeyMismatch, /RSA_V2 needs an RSA key of at least 2048 bits/),
    );
  });

  it('is refused as malformed for garbage, PEM, trailing bytes, an empty certificate or a count other than two', async () => {
    const material = await deviceMaterial('ECC_V2');
    const [leaf, subCa] = material.certificates as [Uint8Array, Uint8Array];
    const pem = Buffer.from(new X509Certificate(leaf).toString());
    const chains: [Uint8Array[], RegExp][] = [
      [[randomBytes(300), subCa], /leaf certificate is not a DER X.509 certificate/],
      [[pem, subCa], /leaf certificate is not a DER X.509 certificate/],
      [[leaf, Buffer.concat([subCa, Buffer.from([0])])], /sub-CA certificate is not a DER X.509 certificate/],
      [[leaf, new Uint8Array(0)], /sub-CA certificate is empty/],
      [[leaf], /exactly two DER certificates/],
      [[leaf, subCa, subCa], /exactly two DER certificates/],
      [[], /exactly two DER certificates/],
    ];
    for (const [certificates, message] of chains) {
      expect(refusalOf({ ...material, certificates })).toEqual(
        refused(WalletRefusalReason.CertificateChainMalformed, message),
      );
    }
  });
});

const plaintext = passKitPlaintext(card, randomBytes(16), randomBytes(70));

type EccWire = Parameters<typeof passKitEccV2.decrypt>[0];
type RsaWire = Parameters<typeof passKitRsaV2.decrypt>[0];

/** The DER of a P-256 public key in SubjectPublicKeyInfo, up to its uncompressed point. */
const p256SpkiPrefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/** Each scheme's wallet side, and the reference decryption that spells out its public construction. */
const profiles = {
  ECC_V2: {
    keyField: 'ephemeralPublicKey',
    decrypt: (payload: PassKitPayload, key: KeyObject) => passKitEccV2.decrypt(payload as EccWire, key),
    decryptByHand: (payload: PassKitPayload, privateKey: KeyObject): unknown => {
      const point = Buffer.from(payload.ephemeralPublicKey!, 'base64');
      expect([point.length, point[0]]).toEqual([65, 0x04]);
      const ephemeral = createPublicKey({ key: Buffer.concat([p256SpkiPrefix, point]), format: 'der', type: 'spki' });
      const z = diffieHellman({ privateKey, publicKey: ephemeral });
      const otherInfo = Buffer.concat([Buffer.from('\x0did-aes256-GCMApple', 'latin1'), point]);
      const kdfInput = Buffer.concat([z, Buffer.from('00000001', 'hex'), otherInfo]);
      return gcmOpen(createHash('sha256').update(kdfInput).digest(), payload);
    },
  },
  RSA_V2: {
    keyField: 'wrappedKey',
    decrypt: (payload: PassKitPayload, key: KeyObject) => passKitRsaV2.decrypt(payload as RsaWire, key),
    decryptByHand: (payload: PassKitPayload, privateKey: KeyObject): unknown => {
      const oaep = { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
      return gcmOpen(privateDecrypt(oaep, Buffer.from(payload.wrappedKey!, 'base64')), payload);
    },
  },
};

function gcmOpen(key: Buffer, { encryptedPassData }: PassKitPayload): unknown {
  const bytes = Buffer.from(encryptedPassData, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.alloc(12));
  decipher.setAuthTag(bytes.subarray(-16));
  return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(0, -16)), decipher.final()]).toString('utf8'));
}

/** The payload with one bit of its ciphertext (or tag) flipped. */
function tampered(payload: PassKitPayload, byte: number): PassKitPayload {
  const bytes = Buffer.from(payload.encryptedPassData, 'base64');
  bytes[byte] = bytes[byte]! ^ 0x01;
  return { ...payload, encryptedPassData: bytes.toString('base64') };
}

describe('PassKit payload encryption', () => {
  it("builds Apple's plaintext: the number, MM/YY, the name, and the nonce and its signature in hex", () => {
    const nonce = Buffer.from('00ff10', 'hex');
    expect(passKitPlaintext(card, nonce, Buffer.from('abcd', 'hex'))).toEqual({
      primaryAccountNumber: card.pan,
      expiration: '09/29',
      name: 'Ada Lovelace',
      nonce: '00ff10',
      nonceSignature: 'abcd',
    });
    expect(passKitPlaintext({ ...card, cardholderName: undefined }, nonce, nonce)).not.toHaveProperty('name');
  });

  describe.each(schemes)('%s', (scheme) => {
    const { keyField, decrypt, decryptByHand } = profiles[scheme];
    const encrypt = walletPayloadProfiles[scheme];

    it('encrypts for the leaf key by the public construction, and the wallet decrypts it', async () => {
      const { certificates, privateKey } = await pki.issueDeviceCertificate(scheme, { now });
      const leafPublicKey = new X509Certificate(certificates[0]!).publicKey;
      const payload = await encrypt(plaintext, leafPublicKey);
      expect(Object.keys(payload).sort()).toEqual(['encryptedPassData', keyField].sort());
      expect(Buffer.from(payload.encryptedPassData, 'base64').toString('latin1')).not.toContain(card.pan);
      expect(decryptByHand(payload, privateKey)).toEqual(plaintext);
      expect(await decrypt(payload, privateKey)).toEqual(plaintext);
      const again = await encrypt(plaintext, leafPublicKey);
      expect(again.encryptedPassData).not.toBe(payload.encryptedPassData);
    });

    it('refuses a tampered ciphertext or tag, and a payload for another device', async () => {
      const device = await pki.issueDeviceCertificate(scheme, { now });
      const other = await pki.issueDeviceCertificate(scheme, { now });
      const payload = await encrypt(plaintext, createPublicKey(device.privateKey));
      const length = Buffer.from(payload.encryptedPassData, 'base64').length;
      for (const attempt of [
        decrypt(tampered(payload, 0), device.privateKey),
        decrypt(tampered(payload, length - 1), device.privateKey),
        decrypt({ ...payload, encryptedPassData: Buffer.alloc(10).toString('base64') }, device.privateKey),
        decrypt(payload, other.privateKey),
      ]) {
        expect((await rejectionOf(attempt, CryptoFailure)).code).toBe(CryptoFailureCode.DecryptionFailed);
      }
    });

    it('refuses fields that are not base64', async () => {
      const { privateKey } = await pki.issueDeviceCertificate(scheme, { now });
      const payload = await encrypt(plaintext, createPublicKey(privateKey));
      const failure = await rejectionOf(
        decrypt({ ...payload, encryptedPassData: 'not base64!' }, privateKey),
        CryptoFailure,
      );
      expect(failure.code).toBe(CryptoFailureCode.Malformed);
      expect(failure.message).toBe('encryptedPassData must be base64');
    });
  });

  it("refuses to encrypt for a key that is not the scheme's", async () => {
    const ecKey = createPublicKey((await pki.issueDeviceCertificate('ECC_V2', { now })).privateKey);
    const rsaKey = createPublicKey((await pki.issueDeviceCertificate('RSA_V2', { now })).privateKey);
    for (const attempt of [passKitEccV2.encrypt(plaintext, rsaKey), passKitRsaV2.encrypt(plaintext, ecKey)]) {
      expect((await rejectionOf(attempt, CryptoFailure)).code).toBe(CryptoFailureCode.AlgorithmNotAllowed);
    }
  });

  it('refuses an ephemeral key that is not an uncompressed P-256 point', async () => {
    const { privateKey } = await pki.issueDeviceCertificate('ECC_V2', { now });
    const payload = await passKitEccV2.encrypt(plaintext, createPublicKey(privateKey));
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]);
    const truncated = Buffer.from(payload.ephemeralPublicKey, 'base64').subarray(0, 33);
    for (const point of [offCurve, truncated]) {
      const attempt = passKitEccV2.decrypt({ ...payload, ephemeralPublicKey: point.toString('base64') }, privateKey);
      expect((await rejectionOf(attempt, CryptoFailure)).code).toBe(CryptoFailureCode.Malformed);
    }
  });
});
