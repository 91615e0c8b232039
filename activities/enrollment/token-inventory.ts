/**
 * recordToken: a token in the issuer's inventory; an older status never overwrites a newer one. And
 * publishEnrollmentOutcome: how the enrollment ended, for the issuer's systems (a webhook event, once).
 */
import type { Pool } from 'pg';
import { publishEnrollmentOutcome } from '../../db/enrollment-events.js';
import { recordTokenStatus } from '../../db/token-inventory.js';
import type { EnrollmentActivities } from './activity-types.js';

export function createTokenInventoryActivities(deps: {
  pool: Pool;
}): Pick<EnrollmentActivities, 'recordToken' | 'publishEnrollmentOutcome'> {
  return {
    async recordToken(input) {
      await recordTokenStatus(deps.pool, input);
    },
    async publishEnrollmentOutcome(input) {
      await publishEnrollmentOutcome(deps.pool, input);
    },
  };
}
