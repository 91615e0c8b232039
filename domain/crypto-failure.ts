/**
 * Why a signature, token or ciphertext was refused, in a stable code and in plain words. Integrators'
 * most common questions (wrong key, wrong algorithm, a certificate's fingerprint instead of the key's)
 * get an answer that says what to check, never the key material or the payload.
 */
export const CryptoFailureCode = {
  Malformed: 'MALFORMED',
  AlgorithmNotAllowed: 'ALGORITHM_NOT_ALLOWED',
  UnknownKeyId: 'UNKNOWN_KEY_ID',
  SignatureInvalid: 'SIGNATURE_INVALID',
  Expired: 'EXPIRED',
  NotYetValid: 'NOT_YET_VALID',
  LifetimeTooLong: 'LIFETIME_TOO_LONG',
  WrongIssuer: 'WRONG_ISSUER',
  WrongAudience: 'WRONG_AUDIENCE',
  WrongType: 'WRONG_TYPE',
  MissingClaim: 'MISSING_CLAIM',
  Replayed: 'REPLAYED',
  /** A JWE that asks for compression: refused, compressed plaintext leaks through its length. */
  Compressed: 'COMPRESSED',
  /** The ciphertext does not decrypt: altered, or encrypted for another key. */
  DecryptionFailed: 'DECRYPTION_FAILED',
  /** A request whose body is not the one its signature covers. */
  BodyHashMismatch: 'BODY_HASH_MISMATCH',
} as const;
export type CryptoFailureCode = (typeof CryptoFailureCode)[keyof typeof CryptoFailureCode];

export class CryptoFailure extends Error {
  override name = 'CryptoFailure';
  constructor(
    readonly code: CryptoFailureCode,
    message: string,
  ) {
    super(message);
  }
}
