/** recordToken: a token in the issuer's inventory; an older status never overwrites a newer one. */
import type { Pool } from 'pg';
import { recordTokenStatus } from '../../db/token-inventory.js';
import type { EnrollmentActivities } from './activity-types.js';

export function createTokenInventoryActivities(deps: { pool: Pool }): Pick<EnrollmentActivities, 'recordToken'> {
  return {
    async recordToken(input) {
      await recordTokenStatus(deps.pool, input);
    },
  };
}
