/**
 * How a sandbox network checks an issuer's authentication proof: the issuer's JWKS fetched from its
 * published URL (kept a minute, fetched again for an unknown kid, as after a rotation), jti replay
 * refused until the proof expires. A pushed card's proof is about its push account; a wallet's activation
 * data (Visa's, in its public construction) is about the issuer's own provisioning reference, which the
 * network cannot check, so it is held to its one tokenisation instead: the same requestId may present it
 * again (a retry), no other.
 */
import type { JSONWebKeySet } from 'jose';
import { verifyAuthenticationProof, type VerifiedProof } from '../../activities/crypto/authentication-proof.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';

const cacheMs = 60_000;

export class IssuerProofVerifier {
  private jwks: { keys: JSONWebKeySet; fetchedAt: number } | undefined;
  /** Each jti seen, until when it is held, and by which tokenisation (a wallet's activation data). */
  private readonly seenJtis = new Map<string, { until: number; claimant?: string }>();

  constructor(private readonly options: { jwksUrl: () => string; issuer: string; audience: string }) {}

  async verify(token: string, expectedSubject: string): Promise<VerifiedProof> {
    const proof = await this.verified(token);
    if (proof.subject !== expectedSubject) {
      throw new CryptoFailure(
        CryptoFailureCode.Malformed,
        `The proof is about another push account, not about push account ${expectedSubject}`,
      );
    }
    return proof;
  }

  /** A wallet's activation data: the issuer's, for this network, unexpired, and used by this tokenisation only. */
  verifyActivation(token: string, tokenisationRequestId: string): Promise<VerifiedProof> {
    return this.verified(token, tokenisationRequestId);
  }

  private async verified(token: string, claimant?: string): Promise<VerifiedProof> {
    let jwks = await this.issuerJwks(false);
    const kid = kidOf(token);
    if (kid && !jwks.keys.some((key) => key.kid === kid)) jwks = await this.issuerJwks(true);
    return verifyAuthenticationProof(token, {
      jwks,
      issuer: this.options.issuer,
      audience: this.options.audience,
      claimJti: (jti, expiresAt) => Promise.resolve(this.claim(jti, expiresAt, claimant)),
    });
  }

  private claim(jti: string, expiresAt: Date, claimant: string | undefined): boolean {
    const now = Date.now();
    for (const [seen, { until }] of this.seenJtis) if (until <= now) this.seenJtis.delete(seen);
    const earlier = this.seenJtis.get(jti);
    if (earlier) return claimant !== undefined && earlier.claimant === claimant;
    this.seenJtis.set(jti, { until: expiresAt.getTime(), ...(claimant !== undefined && { claimant }) });
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
