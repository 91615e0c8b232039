/**
 * Who is calling: a bearer JWT from the issuer's identity provider, verified with jose (issuer, audience,
 * expiry, algorithm pinned; keys from the provider's JWKS URL or a file). Its `sub` is the customer id.
 * In development a local identity provider (its keys generated in the key folder) mints tokens for the
 * demo customers; it does not exist in production.
 */
import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { IssuerSigningKeys } from '../activities/keys/issuer-signing-keys.js';
import { signCompactJws } from '../activities/crypto/jws.js';
import { holdsCardNumber } from '../domain/caller-text.js';

export const callerAlgorithms = ['ES256', 'RS256'];

export interface CallerAuthOptions {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
}

export class CallerNotAuthenticated extends Error {
  override name = 'CallerNotAuthenticated';
}

export class CallerAuthenticator {
  constructor(private readonly options: CallerAuthOptions) {}

  /** The customer id of a valid bearer token; throws CallerNotAuthenticated with the reason otherwise. */
  async customerOf(authorization: string | undefined): Promise<string> {
    return (await this.claimsOf(authorization, 'customer')).sub;
  }

  /**
   * A valid bearer token's claims, its `sub` an id (it goes into rows, logs and workflow inputs: it may not
   * be, or hold, a card number); throws CallerNotAuthenticated with the reason otherwise.
   */
  async claimsOf(authorization: string | undefined, who: string): Promise<JWTPayload & { sub: string }> {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new CallerNotAuthenticated('A bearer token is required (Authorization: Bearer <JWT>)');
    try {
      const { payload } = await jwtVerify(token, this.options.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: callerAlgorithms,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 30,
      });
      if (!payload.sub || payload.sub.length > 128 || holdsCardNumber(payload.sub)) {
        throw new CallerNotAuthenticated(`The token names no valid ${who}`);
      }
      return payload as JWTPayload & { sub: string };
    } catch (error) {
      if (error instanceof CallerNotAuthenticated) throw error;
      throw new CallerNotAuthenticated(explain(error));
    }
  }
}

function explain(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's "${error.claim}" claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed)
    return `The token's algorithm is not accepted (${callerAlgorithms.join(', ')})`;
  if (error instanceof errors.JWKSNoMatchingKey)
    return 'The token is signed with a key the identity provider does not publish';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature does not verify';
  return 'The token is not a valid signed JWT';
}

/** The identity provider's keys: a JWKS URL (fetched and cached by jose) or a JWKS file. */
export async function identityProviderKeys(source: { jwksUrl?: string; jwksFile?: string }): Promise<JWTVerifyGetKey> {
  if (source.jwksUrl) return createRemoteJWKSet(new URL(source.jwksUrl));
  if (source.jwksFile) return createLocalJWKSet(JSON.parse(await readFile(source.jwksFile, 'utf8')) as JSONWebKeySet);
  throw new Error('No identity provider keys: set IDP_JWKS_URL or IDP_JWKS_FILE');
}

export const devIdentityProviderIssuer = 'pushprov-dev-idp';

/** The development identity provider: its own key folder, its JWKS, and tokens for any customer id. */
export class DevIdentityProvider {
  private constructor(private readonly keys: IssuerSigningKeys) {}

  static async open(dir: string): Promise<DevIdentityProvider> {
    return new DevIdentityProvider(await IssuerSigningKeys.open(dir, { generateIfMissing: true }));
  }

  jwks(): JSONWebKeySet {
    return this.keys.jwks();
  }

  async tokenFor(
    customerId: string,
    audience: string,
    lifetimeSeconds = 3_600,
    claims: Record<string, unknown> = {},
  ): Promise<string> {
    const key = this.keys.current;
    const issuedAt = Math.floor(Date.now() / 1000);
    return signCompactJws(
      { alg: key.alg, kid: key.kid, typ: 'JWT' },
      {
        ...claims,
        iss: devIdentityProviderIssuer,
        sub: customerId,
        aud: audience,
        iat: issuedAt,
        exp: issuedAt + lifetimeSeconds,
      },
      key.signer,
    );
  }
}
