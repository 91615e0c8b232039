/**
 * Apple Pay in-app provisioning's `encryptedPassData`, for the leaf key of the device's certificate: the
 * issuer encrypts, the wallet (here the sandbox) decrypts. Both profiles are the public construction; the
 * exact KDF inputs and byte layout are confidential to Apple's programme, and a certified implementation
 * drops in here, as these two profiles, behind the same signatures.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { CardDetails } from '../../../domain/card-number.js';
import { CryptoFailure, CryptoFailureCode } from '../../../domain/crypto-failure.js';
import { decryptionFailed, parseJsonPlaintext } from './jwe.js';

/** What either scheme puts in PassKit's PKAddPaymentPassRequest besides activationData. */
export interface PassKitPayload {
  encryptedPassData: string;
  /** ECC_V2: the ephemeral public key, an uncompressed P-256 point. */
  ephemeralPublicKey?: string;
  /** RSA_V2: the AES key, wrapped with RSA-OAEP. */
  wrappedKey?: string;
}

/** Apple's public plaintext of encryptedPassData. */
export interface PassKitPlaintext {
  primaryAccountNumber: string;
  /** MM/YY */
  expiration: string;
  name?: string;
  /** hex */
  nonce: string;
  /** hex */
  nonceSignature: string;
}

/** The card as Apple reads it, bound to the device's nonce; the name is left out when the vault has none. */
export function passKitPlaintext(card: CardDetails, nonce: Uint8Array, nonceSignature: Uint8Array): PassKitPlaintext {
  const twoDigits = (value: number): string => String(value % 100).padStart(2, '0');
  return {
    primaryAccountNumber: card.pan,
    expiration: `${twoDigits(card.expiryMonth)}/${twoDigits(card.expiryYear)}`,
    ...(card.cardholderName !== undefined && { name: card.cardholderName }),
    nonce: Buffer.from(nonce).toString('hex'),
    nonceSignature: Buffer.from(nonceSignature).toString('hex'),
  };
}

/**
 * Every content key here encrypts exactly one plaintext (derived from a fresh ephemeral key, or drawn at
 * random), so a fixed all-zero IV never meets the same key twice, which is all GCM asks of an IV.
 */
const singleUseKeyIv = Buffer.alloc(12);
const tagBytes = 16;

function seal(key: Buffer, plaintext: unknown): string {
  const cipher = createCipheriv('aes-256-gcm', key, singleUseKeyIv, { authTagLength: tagBytes });
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(plaintext), 'utf8'), cipher.final()]);
  return Buffer.concat([ciphertext, cipher.getAuthTag()]).toString('base64');
}

function unseal(key: Buffer, encryptedPassData: Buffer): unknown {
  if (encryptedPassData.length < tagBytes) throw decryptionFailed();
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, singleUseKeyIv, { authTagLength: tagBytes });
    decipher.setAuthTag(encryptedPassData.subarray(-tagBytes));
    plaintext = Buffer.concat([decipher.update(encryptedPassData.subarray(0, -tagBytes)), decipher.final()]);
  } catch {
    throw decryptionFailed();
  }
  return parseJsonPlaintext(plaintext);
}

/** Base64 as the wire must carry it; Node's decoder would skip anything else silently. */
function base64Field(wire: object, field: string): Buffer {
  const value = (wire as Record<string, unknown>)[field];
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length % 4 !== 0 ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(value)
  ) {
    throw new CryptoFailure(CryptoFailureCode.Malformed, `${field} must be base64`);
  }
  return Buffer.from(value, 'base64');
}

/**
 * ANSI X9.63 / NIST SP 800-56A single-step KDF with SHA-256, one round (32 bytes), with the other info of
 * Apple Pay's public payment-token decryption: algorithm id, party U "Apple", party V the ephemeral key.
 */
function eccV2ContentKey(sharedSecret: Buffer, ephemeralPoint: Buffer): Buffer {
  const algorithmId = Buffer.concat([Buffer.from([0x0d]), Buffer.from('id-aes256-GCM', 'ascii')]);
  return createHash('sha256')
    .update(sharedSecret)
    .update(Buffer.from([0, 0, 0, 1]))
    .update(algorithmId)
    .update(Buffer.from('Apple', 'ascii'))
    .update(ephemeralPoint)
    .digest();
}

/** The leaf key checked once more where it is used (the chain's check is passkit-chain.ts's). */
function requireKey(key: KeyObject, type: 'ec' | 'rsa', requirement: string): void {
  const fits = type === 'rsa' || key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (key.asymmetricKeyType !== type || !fits)
    throw new CryptoFailure(CryptoFailureCode.AlgorithmNotAllowed, requirement);
}

const uncompressedPointBytes = 65;

function uncompressedPoint(publicKey: KeyObject): Buffer {
  const { x, y } = publicKey.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([0x04]), Buffer.from(x!, 'base64url'), Buffer.from(y!, 'base64url')]);
}

/** The sender's P-256 point; OpenSSL refuses one that is not on the curve. */
function p256PublicKey(point: Buffer): KeyObject {
  if (point.length !== uncompressedPointBytes || point[0] !== 0x04) {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'ephemeralPublicKey must be an uncompressed P-256 point');
  }
  try {
    const coordinate = (start: number): string => point.subarray(start, start + 32).toString('base64url');
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: coordinate(1), y: coordinate(33) }, format: 'jwk' });
  } catch {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'ephemeralPublicKey is not a point of P-256');
  }
}

/** ECC_V2: ECDH between a fresh P-256 key and the leaf's, the X9.63 KDF above, AES-256-GCM. */
export const passKitEccV2 = {
  name: 'passkit-ecc-v2',
  encrypt(
    plaintext: unknown,
    leafPublicKey: KeyObject,
  ): Promise<{ encryptedPassData: string; ephemeralPublicKey: string }> {
    return Promise.resolve().then(() => {
      requireKey(leafPublicKey, 'ec', 'ECC_V2 encrypts for an EC P-256 key');
      const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const ephemeralPoint = uncompressedPoint(ephemeral.publicKey);
      const sharedSecret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: leafPublicKey });
      return {
        encryptedPassData: seal(eccV2ContentKey(sharedSecret, ephemeralPoint), plaintext),
        ephemeralPublicKey: ephemeralPoint.toString('base64'),
      };
    });
  },
  decrypt(
    wire: { encryptedPassData: string; ephemeralPublicKey: string },
    leafPrivateKey: KeyObject,
  ): Promise<unknown> {
    return Promise.resolve().then(() => {
      const ephemeralPoint = base64Field(wire, 'ephemeralPublicKey');
      const encryptedPassData = base64Field(wire, 'encryptedPassData');
      let sharedSecret: Buffer;
      try {
        sharedSecret = diffieHellman({ privateKey: leafPrivateKey, publicKey: p256PublicKey(ephemeralPoint) });
      } catch (error) {
        if (error instanceof CryptoFailure) throw error;
        throw decryptionFailed();
      }
      return unseal(eccV2ContentKey(sharedSecret, ephemeralPoint), encryptedPassData);
    });
  },
};

const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;
const contentKeyBytes = 32;

/** RSA_V2: a random AES-256 key wrapped with RSA-OAEP (SHA-256, MGF1 SHA-256), AES-256-GCM. */
export const passKitRsaV2 = {
  name: 'passkit-rsa-v2',
  encrypt(plaintext: unknown, leafPublicKey: KeyObject): Promise<{ encryptedPassData: string; wrappedKey: string }> {
    return Promise.resolve().then(() => {
      requireKey(leafPublicKey, 'rsa', 'RSA_V2 encrypts for an RSA key');
      const contentKey = randomBytes(contentKeyBytes);
      return {
        encryptedPassData: seal(contentKey, plaintext),
        wrappedKey: publicEncrypt({ key: leafPublicKey, ...oaep }, contentKey).toString('base64'),
      };
    });
  },
  decrypt(wire: { encryptedPassData: string; wrappedKey: string }, leafPrivateKey: KeyObject): Promise<unknown> {
    return Promise.resolve().then(() => {
      const wrappedKey = base64Field(wire, 'wrappedKey');
      const encryptedPassData = base64Field(wire, 'encryptedPassData');
      let contentKey: Buffer;
      try {
        contentKey = privateDecrypt({ key: leafPrivateKey, ...oaep }, wrappedKey);
      } catch {
        throw decryptionFailed();
      }
      if (contentKey.length !== contentKeyBytes) throw decryptionFailed();
      return unseal(contentKey, encryptedPassData);
    });
  },
};
