/**
 * sendOneTimeCode and checkOneTimeCode: a 6-digit code derived from the enrollment (a retried send delivers
 * the same code), of which the workflow keeps only a keyed hash.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { deliverToDevInbox } from '../../db/dev-inbox.js';
import { oneTimeCodeRules } from '../../domain/enrollment.js';
import type { IssuerKeyStore } from '../keys/key-store.js';
import type { EnrollmentActivities } from './activity-types.js';

export function createOneTimeCodeActivities(deps: {
  pool: Pool;
  keys: IssuerKeyStore;
}): Pick<EnrollmentActivities, 'sendOneTimeCode' | 'checkOneTimeCode'> {
  const { pool, keys } = deps;
  return {
    async sendOneTimeCode({ enrollmentId, customerId, channel, sequence }) {
      const key = keys.vault.oneTimeCode;
      // Derived, not drawn: a retried send delivers the same code, never a second one.
      const code = String(
        createHmac('sha256', key.key).update(`code:${enrollmentId}:${sequence}`).digest().readUInt32BE(0) % 1_000_000,
      ).padStart(6, '0');
      const minutes = oneTimeCodeRules.windowMs / 60_000;
      await deliverToDevInbox(pool, {
        customerId,
        channel,
        enrollmentId,
        sequence,
        message: `Your code to add your card: ${code}. It expires in ${minutes} minutes. Never share it.`,
        validityMinutes: minutes,
      });
      return { codeHash: codeHash(key, enrollmentId, sequence, code) };
    },

    checkOneTimeCode({ enrollmentId, code, codeHash: expected }) {
      const [kid, sequence] = expected.split(':') as [string, string];
      const key = keys.vault.oneTimeCode;
      if (key.kid !== kid) return Promise.resolve(false);
      const presented = Buffer.from(codeHash(key, enrollmentId, Number(sequence), code));
      const wanted = Buffer.from(expected);
      return Promise.resolve(presented.length === wanted.length && timingSafeEqual(presented, wanted));
    },
  };
}

/** `kid:sequence:hex`: the key id and the code's number travel with the hash, never the code. */
function codeHash(key: { kid: string; key: Buffer }, enrollmentId: string, sequence: number, code: string): string {
  const mac = createHmac('sha256', key.key).update(`check:${enrollmentId}:${sequence}:${code}`).digest('hex');
  return `${key.kid}:${sequence}:${mac}`;
}
