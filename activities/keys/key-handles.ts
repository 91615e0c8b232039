/**
 * The issuer's keys as the engine uses them: operations, never bytes. The file key store holds the bytes in
 * this process (file-key-handles.ts); the PKCS#11 store leaves them in the token and calls it (pkcs11/). Every
 * operation is asynchronous, so that a network HSM's round trip does not hold the event loop.
 */
import type { KeyObject } from 'node:crypto';

/**
 * The key refused the data: a GCM tag that does not verify, an OAEP padding that does not decode. The data was
 * altered or sealed under another key, and trying again will not help; any other failure (an HSM unreachable, a
 * session lost) is not this, and may pass.
 */
export class DecryptionRefusedError extends Error {
  override name = 'DecryptionRefusedError';
}

/** AES-256-GCM with a 12-byte IV and a 16-byte tag. */
export interface EncryptionKey {
  readonly kid: string;
  encrypt(iv: Buffer, plaintext: Buffer, aad: Buffer): Promise<{ ciphertext: Buffer; tag: Buffer }>;
  /** Rejects with DecryptionRefusedError when the tag does not verify. */
  decrypt(iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Promise<Buffer>;
}

/** HMAC-SHA-256. */
export interface MacKey {
  readonly kid: string;
  mac(data: Buffer): Promise<Buffer>;
}

export const signatureAlgorithms = ['ES256', 'RS256'] as const;
export type SignatureAlgorithm = (typeof signatureAlgorithms)[number];

/**
 * A private key that signs, its signature as JWS writes it: ES256 is P-256 ECDSA over SHA-256 as r || s (64
 * bytes), RS256 is RSASSA-PKCS1-v1_5 over SHA-256 (an MDES OAuth signature and a TAV are the same).
 */
export interface PrivateSigningKey {
  readonly alg: SignatureAlgorithm;
  readonly publicKey: KeyObject;
  sign(data: Buffer): Promise<Buffer>;
}

export const oaepHashes = ['sha256', 'sha512'] as const;
export type OaepHash = (typeof oaepHashes)[number];

/** An RSA private key that decrypts what was encrypted to its public half with RSA-OAEP (MGF1 of the same hash). */
export interface RsaDecryptionKey {
  readonly publicKey: KeyObject;
  /** Rejects with DecryptionRefusedError when the data does not decrypt under this key. */
  decryptOaep(data: Buffer, hash: OaepHash): Promise<Buffer>;
}

/** The vault's symmetric keys (vault-keys.ts says what each is for). */
export interface VaultKeySet {
  /** The key that encrypts now. */
  readonly currentEncryption: EncryptionKey;
  encryptionKey(kid: string): EncryptionKey | undefined;
  readonly fingerprint: MacKey;
  /** Every fingerprint key the vault holds, the current one first: a card's number is fingerprinted with each. */
  readonly fingerprintKeys: readonly MacKey[];
  readonly oneTimeCode: MacKey;
}

/** A ring of encryption keys for one purpose: the newest encrypts, every listed one still decrypts. */
export interface EncryptionKeyRing {
  readonly current: EncryptionKey;
  key(kid: string): EncryptionKey | undefined;
}

/** The issuer's private keys facing the networks (NetworkCredentials reads them from its document otherwise). */
export interface NetworkPrivateKeys {
  /** Signs MDES requests (OAuth 1.0a, RSA-SHA256). */
  mdesOAuthSigning?: PrivateSigningKey;
  /** Signs Mastercard's Tokenization Authentication Values. */
  mdesTavSigning?: PrivateSigningKey;
  /** What MDES encrypts card data to; newest last. */
  mdesIssuerDecryption: readonly RsaDecryptionKey[];
}
