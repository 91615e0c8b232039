/**
 * The issuer's proof that it strongly authenticated the cardholder: a signed JWT (Thales' public format)
 * that the network or token requestor verifies by `kid` against the issuer's published JWKS.
 */
import {
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { newIdentifier } from '../../domain/identifiers.js';
import { signingAlgorithms, type IssuerSigningKeys } from '../keys/issuer-signing-keys.js';
import { compactSegments } from './canonical-encoding.js';
import { signCompactJws } from './jws.js';
import { sentValue } from './sent-value.js';

/** How the cardholder proved who they are (RFC 8176 values). */
export type AuthenticationMethod = 'otp' | 'sms' | 'pin' | 'face' | 'fpt' | 'hwk' | 'swk' | 'mfa';

export interface AuthenticationProofRequest {
  /** The issuer's identifier, as the verifier knows it. */
  issuer: string;
  /** What the proof is about: the push account reference, never card data. */
  subject: string;
  /** Who verifies it: the network or the token requestor. */
  audience: string;
  methods: AuthenticationMethod[];
  /** At most 300 (5 minutes), the default. */
  lifetimeSeconds?: number;
}

export interface AuthenticationProof {
  token: string;
  jti: string;
  kid: string;
  expiresAt: Date;
}

export const proofType = 'JWT';
export const maxProofLifetimeSeconds = 300;

export async function signAuthenticationProof(
  keys: IssuerSigningKeys,
  request: AuthenticationProofRequest,
  now: Date = new Date(),
): Promise<AuthenticationProof> {
  const lifetime = request.lifetimeSeconds ?? maxProofLifetimeSeconds;
  if (!(lifetime > 0 && lifetime <= maxProofLifetimeSeconds)) {
    throw new RangeError(`An authentication proof lives 1..${maxProofLifetimeSeconds} s, not ${lifetime}`);
  }
  const key = keys.current;
  const jti = newIdentifier();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const token = await signCompactJws(
    { alg: key.alg, kid: key.kid, typ: proofType },
    {
      amr: request.methods,
      iss: request.issuer,
      sub: request.subject,
      aud: request.audience,
      iat: issuedAt,
      exp: issuedAt + lifetime,
      jti,
    },
    key.signer,
  );
  return { token, jti, kid: key.kid, expiresAt: new Date((issuedAt + lifetime) * 1000) };
}

export interface ProofVerification {
  /** The issuer's public keys (its JWKS). */
  jwks: JSONWebKeySet;
  issuer: string;
  audience: string;
  /** Remembers a jti until `expiresAt`; true the first time only (db/replay-guard.ts). */
  claimJti: (jti: string, expiresAt: Date) => Promise<boolean>;
  clockToleranceSeconds?: number;
  now?: Date;
}

export interface VerifiedProof {
  subject: string;
  methods: string[];
  jti: string;
  kid: string;
  expiresAt: Date;
}

/**
 * Verifies a proof or throws a CryptoFailure that names the cause. A proof is used once: its jti, which
 * cannot change without its signature, is what the replay guard remembers; and it has one spelling.
 */
export async function verifyAuthenticationProof(token: string, options: ProofVerification): Promise<VerifiedProof> {
  compactSegments(token, 3, 'The proof');
  const header = decodeHeader(token);
  if (!(signingAlgorithms as readonly string[]).includes(header.alg ?? '')) {
    throw new CryptoFailure(CryptoFailureCode.AlgorithmNotAllowed, algorithmExplanation(header.alg));
  }
  const keyIds = options.jwks.keys.map((key) => key.kid);
  if (!header.kid || !keyIds.includes(header.kid)) {
    throw new CryptoFailure(
      CryptoFailureCode.UnknownKeyId,
      `The proof is signed with key id ${sentValue(header.kid)}, which is not in the issuer's published keys (${keyIds.join(', ') || 'none'}). Was the key rotated out, or is the JWKS stale?`,
    );
  }
  const jwk = options.jwks.keys.find((key) => key.kid === header.kid)!;
  if (jwk.alg && jwk.alg !== header.alg) {
    throw new CryptoFailure(
      CryptoFailureCode.AlgorithmNotAllowed,
      `The proof says ${header.alg}, but key ${header.kid} is published for ${jwk.alg}`,
    );
  }

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, await importJWK(jwk, header.alg), {
      algorithms: [header.alg!],
      issuer: options.issuer,
      audience: options.audience,
      typ: proofType,
      requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti'],
      clockTolerance: options.clockToleranceSeconds ?? 30,
      ...(options.now && { currentDate: options.now }),
    }));
  } catch (error) {
    throw explainVerificationError(error, options);
  }

  const { iat, exp, jti, sub } = payload as Required<Pick<JWTPayload, 'iat' | 'exp' | 'jti' | 'sub'>>;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256 || typeof sub !== 'string') {
    throw new CryptoFailure(
      CryptoFailureCode.Malformed,
      'The proof\'s "jti" must be a string of 1 to 256 characters, and its "sub" a string',
    );
  }
  if (exp - iat > maxProofLifetimeSeconds) {
    throw new CryptoFailure(
      CryptoFailureCode.LifetimeTooLong,
      `The proof is valid for ${exp - iat} s; an authentication proof may live ${maxProofLifetimeSeconds} s at most`,
    );
  }
  const expiresAt = new Date(exp * 1000);
  if (!(await options.claimJti(jti, expiresAt))) {
    throw new CryptoFailure(CryptoFailureCode.Replayed, 'This proof was already used: its jti was presented before');
  }
  const methods = Array.isArray(payload.amr) ? payload.amr.map(String) : [];
  return { subject: sub, methods, jti, kid: header.kid, expiresAt };
}

function decodeHeader(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw new CryptoFailure(
      CryptoFailureCode.Malformed,
      'The proof is not a compact JWS (three base64url parts separated by dots, with a JSON header)',
    );
  }
}

function algorithmExplanation(alg: unknown): string {
  const allowed = signingAlgorithms.join(' or ');
  if (typeof alg !== 'string') return `The proof's header names no algorithm; expected ${allowed}`;
  if (alg.toLowerCase() === 'none') return `The proof is unsigned (alg "none"); it must be signed with ${allowed}`;
  if (alg.startsWith('HS')) {
    return `The proof uses ${sentValue(alg)}, a shared-secret MAC: anyone holding the issuer's public key could forge it. Expected ${allowed}`;
  }
  return `The proof is signed with ${sentValue(alg)}; only ${allowed} are accepted`;
}

function explainVerificationError(error: unknown, options: ProofVerification): CryptoFailure {
  if (error instanceof errors.JWTExpired) {
    return new CryptoFailure(CryptoFailureCode.Expired, `The proof expired (exp ${String(error.payload.exp)})`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new CryptoFailure(
      CryptoFailureCode.SignatureInvalid,
      'The signature does not match: the proof was altered, or signed with another key than its kid names',
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason, payload } = error;
    if (reason === 'missing') {
      return new CryptoFailure(CryptoFailureCode.MissingClaim, `The proof lacks the "${claim}" claim`);
    }
    switch (claim) {
      case 'aud':
        return new CryptoFailure(
          CryptoFailureCode.WrongAudience,
          `The proof is meant for "${sentValue(payload.aud)}", not for ${options.audience}`,
        );
      case 'iss':
        return new CryptoFailure(
          CryptoFailureCode.WrongIssuer,
          `The proof was issued by "${sentValue(payload.iss)}", not by ${options.issuer}`,
        );
      case 'typ':
        return new CryptoFailure(CryptoFailureCode.WrongType, `The proof's header must say typ "${proofType}"`);
      case 'iat':
      case 'nbf':
        return new CryptoFailure(
          CryptoFailureCode.NotYetValid,
          `The proof is not valid yet (${claim} is in the future)`,
        );
    }
  }
  return new CryptoFailure(CryptoFailureCode.Malformed, 'The proof is not a well-formed signed JWT');
}
