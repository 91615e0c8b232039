/** verifySessionAssertion: a signed assertion from an app session in which the customer was strongly authenticated. */
import type { Pool } from 'pg';
import { singleUseClaimer } from '../../db/replay-guard.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import { verifyAuthenticationProof } from '../crypto/authentication-proof.js';
import type { IssuerKeyStore } from '../keys/key-store.js';
import type { EnrollmentActivities } from './activity-types.js';

/** The audience of an app session assertion: this engine. */
export const sessionAssertionAudience = 'pushprov-enrollment';

export function createSessionAssertionActivities(deps: {
  pool: Pool;
  keys: IssuerKeyStore;
}): Pick<EnrollmentActivities, 'verifySessionAssertion'> {
  const { pool, keys } = deps;
  return {
    async verifySessionAssertion({ customerId, assertion }) {
      try {
        const proof = await verifyAuthenticationProof(assertion, {
          jwks: keys.jwks(),
          issuer: keys.networks.issuerId,
          audience: sessionAssertionAudience,
          claimJti: singleUseClaimer(pool, 'session-assertion-jti'),
        });
        if (proof.subject !== customerId) return { valid: false, reason: 'The assertion is about another customer' };
        if (proof.methods.length === 0)
          return { valid: false, reason: 'The assertion does not say how the customer was authenticated' };
        return { valid: true };
      } catch (error) {
        if (error instanceof CryptoFailure) return { valid: false, reason: `${error.code}: ${error.message}` };
        throw error;
      }
    },
  };
}
