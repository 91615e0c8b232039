/**
 * The issuer's side of the networks' calls during tokenisation: proof that a call really comes from the
 * network, is fresh and is not a replay. MDES signs with OAuth 1.0a (its key named by kid in the
 * consumer key); Visa sends a JWS (PS256, cty JWE) around a JWE encrypted with the issuer's shared
 * secret. Refusals are CryptoFailures that say why.
 */
import { createHash, createPublicKey, type JsonWebKeyInput } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors as joseErrors } from 'jose';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { compactSegments } from '../crypto/canonical-encoding.js';
import { vtsSharedSecretJwe } from '../crypto/encryption/profiles.js';
import { sentValue } from '../crypto/sent-value.js';
import type { NetworkCredentials } from '../keys/network-credentials.js';
import { verifyMdesRequest } from './mdes/oauth1.js';

/** Remembers a value until it expires; true the first time only (db/replay-guard.ts). */
export type ClaimSingleUse = (value: string, expiresAt: Date) => Promise<boolean>;

const maxAgeSeconds = 300;

export async function verifyMdesCallback(
  request: { method: string; url: string; body: string; authorization: string | undefined },
  credentials: NetworkCredentials,
  claim: ClaimSingleUse,
  now: Date = new Date(),
): Promise<void> {
  await verifyMdesRequest({
    ...request,
    consumerPublicKey: (kid) => {
      const jwk = credentials.mdes.networkJwks.keys.find((key) => key.kid === kid);
      return jwk ? createPublicKey({ key: jwk as JsonWebKeyInput['key'], format: 'jwk' }) : undefined;
    },
    claimNonce: (kid, nonce) => claim(`${kid}:${nonce}`, new Date(now.getTime() + 2 * maxAgeSeconds * 1000)),
    now,
    maxClockSkewSeconds: maxAgeSeconds,
  });
}

/**
 * Opens one of Visa's notifications: returns its JSON payload, or throws a CryptoFailure naming the cause.
 * The replay guard remembers what the signature covers (header and payload, canonically encoded, so one
 * notification has one spelling): a notification Visa signed again is as much a replay as a copy.
 */
export async function openVtsNotification(
  jws: string,
  credentials: NetworkCredentials,
  claim: ClaimSingleUse,
  now: Date = new Date(),
): Promise<unknown> {
  const [protectedHeader, payload] = compactSegments(jws, 3, 'The notification');
  let header: { alg?: unknown; cty?: unknown; iat?: unknown; kid?: unknown };
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The notification has no JSON protected header');
  }
  if (header.alg !== 'PS256') {
    throw new CryptoFailure(
      CryptoFailureCode.AlgorithmNotAllowed,
      `The notification is signed with ${sentValue(header.alg)}; Visa signs with PS256`,
    );
  }
  if (header.cty !== 'JWE') {
    throw new CryptoFailure(
      CryptoFailureCode.WrongType,
      'The notification must say cty "JWE": its payload is an encrypted JWE',
    );
  }
  const issuedAt = typeof header.iat === 'number' ? header.iat : Number.NaN;
  const age = now.getTime() / 1000 - issuedAt;
  if (!(Math.abs(age) <= maxAgeSeconds)) {
    throw new CryptoFailure(
      CryptoFailureCode.Expired,
      Number.isFinite(age)
        ? `The notification was signed ${Math.round(age)} s ago; 5 minutes are allowed`
        : 'The notification carries no iat in its header',
    );
  }
  let inner: string;
  try {
    const verified = await compactVerify(jws, createLocalJWKSet(credentials.vts.networkJwks), {
      algorithms: ['PS256'],
    });
    inner = new TextDecoder().decode(verified.payload);
  } catch (error) {
    if (error instanceof joseErrors.JWKSNoMatchingKey) {
      throw new CryptoFailure(
        CryptoFailureCode.UnknownKeyId,
        `The notification names key ${sentValue(header.kid)}, which is not one of Visa's published keys`,
      );
    }
    throw new CryptoFailure(
      CryptoFailureCode.SignatureInvalid,
      "The notification's signature does not verify with Visa's key",
    );
  }
  const signed = createHash('sha256').update(`${protectedHeader}.${payload}`).digest('hex');
  if (!(await claim(signed, new Date((issuedAt + 2 * maxAgeSeconds) * 1000)))) {
    throw new CryptoFailure(CryptoFailureCode.Replayed, 'This notification was already received');
  }
  compactSegments(inner, 5, "The notification's payload");
  let lastFailure: unknown;
  // While a shared secret is rotated, either may have encrypted it.
  for (const sharedSecret of credentials.vts.sharedSecrets.toReversed()) {
    try {
      return await vtsSharedSecretJwe.decrypt(inner, { apiKey: credentials.vts.apiKey, sharedSecret });
    } catch (error) {
      lastFailure = error;
    }
  }
  throw lastFailure;
}
