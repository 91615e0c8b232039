/**
 * Compact JWE as the networks use it, on both sides: encrypting for a recipient, and decrypting only
 * what the profile allows (algorithm allow-lists, expected kid, no compression), with every refusal
 * explained.
 */
import {
  CompactEncrypt,
  compactDecrypt,
  decodeProtectedHeader,
  errors,
  type CompactJWEHeaderParameters,
  type CryptoKey,
  type JWEContentEncryptionAlgorithm,
  type JWEKeyManagementAlgorithm,
  type KeyObject,
} from 'jose';
import { CryptoFailure, CryptoFailureCode } from '../../../domain/crypto-failure.js';

export type JweKey = CryptoKey | KeyObject | Uint8Array;

export async function encryptCompactJwe(
  plaintext: unknown,
  key: JweKey,
  header: CompactJWEHeaderParameters & { alg: JWEKeyManagementAlgorithm; enc: JWEContentEncryptionAlgorithm },
): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(plaintext)))
    .setProtectedHeader(header)
    .encrypt(key);
}

export interface JweExpectations {
  keyManagementAlgorithms: JWEKeyManagementAlgorithm[];
  contentEncryptionAlgorithms: JWEContentEncryptionAlgorithm[];
  /** The kid the sender must name, and how to explain a different one. */
  kid: string;
  explainWrongKid?: (sentKid: string | undefined) => string;
}

const insecureKeyManagement: Record<string, string> = {
  RSA1_5: 'RSA1_5 (PKCS#1 v1.5) is refused: it is open to padding-oracle attacks',
  dir: 'a direct key ("dir") is refused here',
};

/** Refuses a JWE whose header the recipient does not accept, saying why; returns the header otherwise. */
export function checkJweHeader(jwe: string, expected: JweExpectations): CompactJWEHeaderParameters {
  let header: CompactJWEHeaderParameters;
  try {
    header = decodeProtectedHeader(jwe) as CompactJWEHeaderParameters;
  } catch {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The payload is not a compact JWE (five base64url parts)');
  }
  if (jwe.split('.').length !== 5) {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The payload is not a compact JWE (five base64url parts)');
  }
  if (header.zip !== undefined) {
    throw new CryptoFailure(
      CryptoFailureCode.Compressed,
      `Compressed JWEs (zip "${String(header.zip)}") are refused: compression leaks the plaintext through its length`,
    );
  }
  if (!expected.keyManagementAlgorithms.includes(header.alg)) {
    const reason = insecureKeyManagement[header.alg] ?? `alg ${header.alg} is not accepted`;
    throw new CryptoFailure(
      CryptoFailureCode.AlgorithmNotAllowed,
      `${reason}; expected alg ${expected.keyManagementAlgorithms.join(' or ')}`,
    );
  }
  if (!expected.contentEncryptionAlgorithms.includes(header.enc)) {
    throw new CryptoFailure(
      CryptoFailureCode.AlgorithmNotAllowed,
      `enc ${header.enc} is not accepted; expected ${expected.contentEncryptionAlgorithms.join(' or ')}`,
    );
  }
  if (header.kid !== expected.kid) {
    throw new CryptoFailure(
      CryptoFailureCode.UnknownKeyId,
      expected.explainWrongKid?.(header.kid) ??
        `The payload was encrypted for key id ${header.kid ?? '(none)'}; this recipient's key id is ${expected.kid}`,
    );
  }
  return header;
}

export const decryptionFailed = (): CryptoFailure =>
  new CryptoFailure(
    CryptoFailureCode.DecryptionFailed,
    'The payload does not decrypt: its ciphertext, tag or header was altered, or it was encrypted with another key',
  );

/** Decrypts and parses the JSON plaintext, or throws a CryptoFailure that names the cause. */
export async function decryptCompactJwe(jwe: string, key: JweKey, expected: JweExpectations): Promise<unknown> {
  checkJweHeader(jwe, expected);
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, key, {
      keyManagementAlgorithms: expected.keyManagementAlgorithms,
      contentEncryptionAlgorithms: expected.contentEncryptionAlgorithms,
    }));
  } catch (error) {
    if (error instanceof errors.JWEDecryptionFailed || error instanceof errors.JWEInvalid) throw decryptionFailed();
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The payload is not a well-formed JWE');
  }
  return parseJsonPlaintext(plaintext);
}

export function parseJsonPlaintext(plaintext: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(plaintext)) as unknown;
  } catch {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The decrypted payload is not JSON');
  }
}
