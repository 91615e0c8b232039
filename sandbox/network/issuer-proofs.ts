/**
 * How a sandbox network checks an issuer's authentication proof: the issuer's JWKS fetched from its
 * published URL (kept a minute, fetched again for an unknown kid, as after a rotation), jti replay
 * refused until the proof expires.
 */
import type { JSONWebKeySet } from 'jose';
import { verifyAuthenticationProof, type VerifiedProof } from '../../activities/crypto/authentication-proof.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';

const cacheMs = 60_000;

export class IssuerProofVerifier {
  private jwks: { keys: JSONWebKeySet; fetchedAt: number } | undefined;
  private readonly seenJtis = new Map<string, number>();

  constructor(private readonly options: { jwksUrl: () => string; issuer: string; audience: string }) {}

  async verify(token: string, expectedSubject: string): Promise<VerifiedProof> {
    let jwks = await this.issuerJwks(false);
    const kid = kidOf(token);
    if (kid && !jwks.keys.some((key) => key.kid === kid)) jwks = await this.issuerJwks(true);
    const proof = await verifyAuthenticationProof(token, {
      jwks,
      issuer: this.options.issuer,
      audience: this.options.audience,
      claimJti: (jti, expiresAt) => Promise.resolve(this.claim(jti, expiresAt)),
    });
    if (proof.subject !== expectedSubject) {
      throw new CryptoFailure(
        CryptoFailureCode.Malformed,
        `The proof is about another push account, not about push account ${expectedSubject}`,
      );
    }
    return proof;
  }

  private claim(jti: string, expiresAt: Date): boolean {
    const now = Date.now();
    for (const [seen, until] of this.seenJtis) if (until <= now) this.seenJtis.delete(seen);
    if (this.seenJtis.has(jti)) return false;
    this.seenJtis.set(jti, expiresAt.getTime());
    return true;
  }

  private async issuerJwks(refresh: boolean): Promise<JSONWebKeySet> {
    if (!refresh && this.jwks && Date.now() - this.jwks.fetchedAt < cacheMs) return this.jwks.keys;
    const url = this.options.jwksUrl();
    let keys: JSONWebKeySet;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      keys = (await response.json()) as JSONWebKeySet;
      if (!Array.isArray(keys.keys)) throw new Error('no "keys" array');
    } catch (error) {
      throw new CryptoFailure(
        CryptoFailureCode.UnknownKeyId,
        `The network could not fetch the issuer's public keys from ${url} (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    this.jwks = { keys, fetchedAt: Date.now() };
    return keys;
  }
}

function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
