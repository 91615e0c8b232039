/**
 * sendOneTimeCode and checkOneTimeCode: a 6-digit code derived from the enrollment (a retried send delivers
 * the same code), of which the workflow keeps only a keyed hash.
 */
import type { Pool } from 'pg';
import { deliverToDevInbox } from '../../db/dev-inbox.js';
import { oneTimeCodeRules } from '../../domain/enrollment.js';
import { codeMatches, derivedCode } from '../crypto/one-time-codes.js';
import type { IssuerKeyStore } from '../keys/key-store.js';
import type { EnrollmentActivities } from './activity-types.js';

export function createOneTimeCodeActivities(deps: {
  pool: Pool;
  keys: IssuerKeyStore;
}): Pick<EnrollmentActivities, 'sendOneTimeCode' | 'checkOneTimeCode'> {
  const { pool, keys } = deps;
  return {
    async sendOneTimeCode({ enrollmentId, customerId, channel, sequence }) {
      const { code, codeHash } = await derivedCode(keys.vault.oneTimeCode, enrollmentId, sequence);
      const minutes = oneTimeCodeRules.windowMs / 60_000;
      await deliverToDevInbox(pool, {
        customerId,
        channel,
        enrollmentId,
        sequence,
        message: `Your code to add your card: ${code}. It expires in ${minutes} minutes. Never share it.`,
        validityMinutes: minutes,
      });
      return { codeHash };
    },

    checkOneTimeCode: ({ enrollmentId, code, codeHash }) =>
      codeMatches(keys.vault.oneTimeCode, enrollmentId, code, codeHash),
  };
}
