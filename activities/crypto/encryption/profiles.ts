/**
 * Encryption profiles: each network or token requestor fixes how card data is encrypted for it (seed 000).
 * A profile is both sides of one wire format: `encrypt` for the sender (the issuer), `decrypt` for the
 * recipient (the network, here the sandbox), which accepts only what the profile allows. A new scheme is
 * one new entry here.
 */
import { constants, createDecipheriv, createHash, privateDecrypt, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { CryptoFailure, CryptoFailureCode } from '../../../domain/crypto-failure.js';
import { fileRsaDecryptionKey } from '../../keys/file-key-handles.js';
import { DecryptionRefusedError, type OaepHash, type RsaDecryptionKey } from '../../keys/key-handles.js';
import { checkJweHeader, decryptCompactJwe, decryptionFailed, encryptCompactJwe, parseJsonPlaintext } from './jwe.js';
import { explainFingerprintMismatch, publicKeyFingerprint, type FingerprintSubject } from './fingerprints.js';

/** The recipient's RSA key as the sender knows it. */
export interface RsaRecipient {
  publicKey: KeyObject;
  /** VTS names RSA keys by an id it assigns; MDES derives it from the key (see fingerprints.ts). */
  kid?: string;
}

/** The recipient's own RSA key, to decrypt with. */
export interface RsaHolder extends FingerprintSubject {
  privateKey: KeyObject;
  kid?: string;
}

/** The recipient of field-level data: its key in this process, or a handle to it in an HSM (the issuer's). */
export interface FieldLevelHolder extends FingerprintSubject {
  privateKey: KeyObject | RsaDecryptionKey;
}

/** Visa's shared-secret channel: an API key and its secret. */
export interface SharedSecretParty {
  apiKey: string;
  sharedSecret: string;
}

/** MDES Token Connect: `{ encryptedValue: JWE }`, RSA-OAEP-256 + A256GCM, kid = public key fingerprint. */
export const mdesJwe = {
  name: 'mdes-jwe',
  async encrypt(plaintext: unknown, recipient: RsaRecipient): Promise<{ encryptedValue: string }> {
    const kid = publicKeyFingerprint(recipient.publicKey);
    return {
      encryptedValue: await encryptCompactJwe(plaintext, recipient.publicKey, {
        alg: 'RSA-OAEP-256',
        enc: 'A256GCM',
        kid,
        cty: 'application/json',
      }),
    };
  },
  async decrypt(wire: { encryptedValue: string }, holder: RsaHolder): Promise<unknown> {
    const expected = {
      keyManagementAlgorithms: ['RSA-OAEP-256' as const],
      // Mastercard's clients may still send A128CBC-HS256.
      contentEncryptionAlgorithms: ['A256GCM' as const, 'A128CBC-HS256' as const],
      kid: publicKeyFingerprint(holder.publicKey),
      explainWrongKid: (sent: string | undefined) => explainFingerprintMismatch(sent, holder),
    };
    const header = checkJweHeader(wire.encryptedValue, expected);
    if (header.enc !== 'A256GCM') return decryptCompactJwe(wire.encryptedValue, holder.privateKey, expected);
    return decryptMastercardGcm(wire.encryptedValue, holder.privateKey);
  },
};

/**
 * AES-256-GCM as Mastercard's own client library writes it, which MDES accepts: a 16-byte IV where JWE
 * prescribes 12, and base64 segments that may keep their padding. jose (rightly strict) refuses both,
 * so this one path decrypts with node:crypto; the header was checked like any other.
 */
function decryptMastercardGcm(jwe: string, privateKey: KeyObject): unknown {
  const [protectedHeader, encryptedKey, iv, ciphertext, tag] = jwe.split('.') as [
    string,
    string,
    string,
    string,
    string,
  ];
  const bytes = (segment: string): Buffer => Buffer.from(segment, 'base64url');
  try {
    const contentKey = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      bytes(encryptedKey),
    );
    const decipher = createDecipheriv('aes-256-gcm', contentKey, bytes(iv), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
    decipher.setAuthTag(bytes(tag));
    return parseJsonPlaintext(Buffer.concat([decipher.update(bytes(ciphertext)), decipher.final()]));
  } catch (error) {
    if (error instanceof CryptoFailure) throw error;
    throw decryptionFailed();
  }
}

/** MDES legacy field-level encryption, as Mastercard's client-encryption library writes it. */
export interface FieldLevelPayload {
  encryptedData: string;
  encryptedKey: string;
  iv: string;
  oaepHashingAlgorithm: string;
  publicKeyFingerprint: string;
}

interface FieldLevelCryptoInstance {
  encryptData(options: { data: unknown }): FieldLevelPayload;
}

const FieldLevelCrypto = createRequire(import.meta.url)(
  'mastercard-client-encryption/lib/mcapi/crypto/field-level-crypto.js',
) as new (config: object) => FieldLevelCryptoInstance;

function fieldLevelCrypto(certificatePem: string): FieldLevelCryptoInstance {
  return new FieldLevelCrypto({
    paths: [{ path: '/mdes/connect/1/0/pushMultipleAccounts', toEncrypt: [], toDecrypt: [] }],
    useCertificateContent: true,
    encryptionCertificate: certificatePem,
    oaepPaddingDigestAlgorithm: 'SHA-256',
    dataEncoding: 'hex',
    encryptedValueFieldName: 'encryptedData',
    encryptedKeyFieldName: 'encryptedKey',
    ivFieldName: 'iv',
    oaepHashingAlgorithmFieldName: 'oaepHashingAlgorithm',
    publicKeyFingerprintFieldName: 'publicKeyFingerprint',
    publicKeyFingerprintType: 'publicKey',
  });
}

/**
 * MDES legacy field-level: AES-CBC under a one-time key wrapped with RSA-OAEP (SHA-256 or SHA-512),
 * fields encryptedData, encryptedKey, iv, oaepHashingAlgorithm, publicKeyFingerprint (hex). It carries
 * no integrity check: an altered ciphertext shows only as a plaintext that is not JSON. Encrypting takes
 * the recipient's certificate, as Mastercard's library does; decrypting only the recipient's key (an issuer
 * holds its decryption key as PKCS#8, with no certificate).
 */
export const mdesFieldLevel = {
  name: 'mdes-field-level',
  encrypt(plaintext: unknown, recipient: { certificatePem: string }): Promise<FieldLevelPayload> {
    return Promise.resolve().then(() => fieldLevelCrypto(recipient.certificatePem).encryptData({ data: plaintext }));
  },
  decrypt(payload: FieldLevelPayload, holder: FieldLevelHolder): Promise<unknown> {
    return decryptFieldLevel(payload, holder);
  },
};

const oaepHashes = new Map<string, OaepHash>([
  ['SHA256', 'sha256'],
  ['SHA512', 'sha512'],
]);

async function decryptFieldLevel(payload: FieldLevelPayload, holder: FieldLevelHolder): Promise<unknown> {
  const missing = (
    ['encryptedData', 'encryptedKey', 'iv', 'oaepHashingAlgorithm', 'publicKeyFingerprint'] as const
  ).filter((field) => typeof payload[field] !== 'string');
  if (missing.length > 0) {
    throw new CryptoFailure(CryptoFailureCode.Malformed, `The encrypted payload lacks ${missing.join(', ')}`);
  }
  const oaepHash = oaepHashes.get(payload.oaepHashingAlgorithm);
  if (oaepHash === undefined) {
    throw new CryptoFailure(
      CryptoFailureCode.AlgorithmNotAllowed,
      `oaepHashingAlgorithm is ${payload.oaepHashingAlgorithm}; expected SHA256 or SHA512`,
    );
  }
  if (payload.publicKeyFingerprint !== publicKeyFingerprint(holder.publicKey)) {
    throw new CryptoFailure(
      CryptoFailureCode.UnknownKeyId,
      explainFingerprintMismatch(payload.publicKeyFingerprint, holder).replace('The key id', 'publicKeyFingerprint'),
    );
  }
  const hex = (field: string): Buffer => Buffer.from(field, 'hex');
  let contentKey: Buffer;
  try {
    contentKey = await decryptOaep(holder.privateKey, hex(payload.encryptedKey), oaepHash);
  } catch (error) {
    // A key that refuses the data: tampering (or another key). Anything else (an HSM unreachable) is not that.
    if (error instanceof DecryptionRefusedError) throw decryptionFailed();
    throw error;
  }
  let plaintext: unknown;
  try {
    const decipher = createDecipheriv(`aes-${contentKey.length * 8}-cbc`, contentKey, hex(payload.iv));
    const text = Buffer.concat([decipher.update(hex(payload.encryptedData)), decipher.final()]).toString('utf8');
    plaintext = JSON.parse(text) as unknown;
  } catch {
    // With no integrity check, a plaintext that is not JSON is the sign of tampering (or of another key).
    throw decryptionFailed();
  }
  if (typeof plaintext !== 'object' || plaintext === null) throw decryptionFailed();
  return plaintext;
}

function decryptOaep(key: KeyObject | RsaDecryptionKey, data: Buffer, hash: OaepHash): Promise<Buffer> {
  return ('decryptOaep' in key ? key : fileRsaDecryptionKey(key)).decryptOaep(data, hash);
}

/** VTS, shared-secret channel: a compact JWE, A256GCMKW with SHA-256(shared secret) as the key. */
export const vtsSharedSecretJwe = {
  name: 'vts-shared-secret-jwe',
  encrypt(plaintext: unknown, party: SharedSecretParty, now: Date = new Date()): Promise<string> {
    return encryptCompactJwe(plaintext, sharedSecretKey(party), {
      alg: 'A256GCMKW',
      enc: 'A256GCM',
      kid: party.apiKey,
      typ: 'JOSE',
      channelSecurityContext: 'SHARED_SECRET',
      iat: String(Math.floor(now.getTime() / 1000)),
    });
  },
  decrypt(jwe: string, party: SharedSecretParty): Promise<unknown> {
    return decryptCompactJwe(jwe, sharedSecretKey(party), {
      keyManagementAlgorithms: ['A256GCMKW'],
      contentEncryptionAlgorithms: ['A256GCM'],
      kid: party.apiKey,
      explainWrongKid: (sent) =>
        `The payload names API key ${sent ?? '(none)'}; it must name the encryption API key it was encrypted for (${party.apiKey})`,
    });
  },
};

/** VTS, RSA channel: a compact JWE, RSA-OAEP-256 + A256GCM, with the key id Visa assigned. */
export const vtsRsaJwe = {
  name: 'vts-rsa-jwe',
  encrypt(plaintext: unknown, recipient: RsaRecipient & { kid: string }, now: Date = new Date()): Promise<string> {
    return encryptCompactJwe(plaintext, recipient.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: recipient.kid,
      typ: 'JOSE',
      channelSecurityContext: 'RSA_PKI',
      iat: String(Math.floor(now.getTime() / 1000)),
    });
  },
  decrypt(jwe: string, holder: RsaHolder & { kid: string }): Promise<unknown> {
    return decryptCompactJwe(jwe, holder.privateKey, {
      keyManagementAlgorithms: ['RSA-OAEP-256'],
      contentEncryptionAlgorithms: ['A256GCM'],
      kid: holder.kid,
    });
  },
};

function sharedSecretKey({ sharedSecret }: SharedSecretParty): Uint8Array {
  return createHash('sha256').update(sharedSecret, 'utf8').digest();
}
